using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Qcow2;

/// <summary>One internal snapshot table entry.</summary>
public sealed record Qcow2Snapshot(ulong L1TableOffset, uint L1Size, string Id, string Name, uint DateSec, uint DateNsec,
    ulong VmClockNsec, ulong VmStateSize, ulong? DiskSize, ulong? Icount, byte[] Extra)
{
    /// <summary>Reads nb entries; every length is checked against the table's bytes.</summary>
    public static List<Qcow2Snapshot> ReadTable(ReadOnlySpan<byte> table, uint count, long tableOffset)
    {
        var list = new List<Qcow2Snapshot>();
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            if (pos + 40 > table.Length) throw Bad(tableOffset + pos, $"snapshot {i} header runs past the snapshot table");
            var b = table[pos..];
            var l1Off = BinaryPrimitives.ReadUInt64BigEndian(b);
            var l1Size = BinaryPrimitives.ReadUInt32BigEndian(b[8..]);
            var idLen = BinaryPrimitives.ReadUInt16BigEndian(b[12..]);
            var nameLen = BinaryPrimitives.ReadUInt16BigEndian(b[14..]);
            var dateSec = BinaryPrimitives.ReadUInt32BigEndian(b[16..]);
            var dateNsec = BinaryPrimitives.ReadUInt32BigEndian(b[20..]);
            var clock = BinaryPrimitives.ReadUInt64BigEndian(b[24..]);
            var vmState = (ulong)BinaryPrimitives.ReadUInt32BigEndian(b[32..]);
            var extraLen = BinaryPrimitives.ReadUInt32BigEndian(b[36..]);
            var total = 40L + extraLen + idLen + nameLen;
            if (extraLen > 1024 || pos + total > table.Length)
                throw Bad(tableOffset + pos, $"snapshot {i} ({total} bytes) runs past the snapshot table");
            var extra = b.Slice(40, (int)extraLen).ToArray();
            if (extraLen >= 8) vmState = BinaryPrimitives.ReadUInt64BigEndian(extra);
            ulong? disk = extraLen >= 16 ? BinaryPrimitives.ReadUInt64BigEndian(extra.AsSpan(8)) : null;
            ulong? icount = extraLen >= 24 ? BinaryPrimitives.ReadUInt64BigEndian(extra.AsSpan(16)) : null;
            var id = Encoding.UTF8.GetString(b.Slice(40 + (int)extraLen, idLen));
            var name = Encoding.UTF8.GetString(b.Slice(40 + (int)extraLen + idLen, nameLen));
            list.Add(new Qcow2Snapshot(l1Off, l1Size, id, name, dateSec, dateNsec, clock, vmState, disk, icount, extra));
            pos += (int)((total + 7) & ~7L);
        }
        return list;
    }

    private static InvalidDataException Bad(long offset, string what) => new($"qcow2: {what} (file offset {offset})");
}

public static class Qcow2SnapshotTable
{
    /// <summary>Serialises snapshot entries: fixed part, extra data, id, name, each entry padded to 8 bytes.</summary>
    public static byte[] Write(IReadOnlyList<Qcow2Snapshot> snapshots)
    {
        var ms = new MemoryStream();
        Span<byte> h = stackalloc byte[40];
        foreach (var s in snapshots)
        {
            var id = System.Text.Encoding.UTF8.GetBytes(s.Id);
            var name = System.Text.Encoding.UTF8.GetBytes(s.Name);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(h, s.L1TableOffset);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(h[8..], s.L1Size);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(h[12..], (ushort)id.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(h[14..], (ushort)name.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(h[16..], s.DateSec);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(h[20..], s.DateNsec);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(h[24..], s.VmClockNsec);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(h[32..], s.VmStateSize > uint.MaxValue ? 0 : (uint)s.VmStateSize);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(h[36..], (uint)s.Extra.Length);
            ms.Write(h);
            ms.Write(s.Extra);
            ms.Write(id);
            ms.Write(name);
            while (ms.Length % 8 != 0) ms.WriteByte(0);
        }
        return ms.ToArray();
    }

    /// <summary>Extra data as qemu 7 writes it: large VM state size, disk size, icount.</summary>
    public static byte[] Extra(ulong vmStateSize, ulong diskSize, ulong icount)
    {
        var e = new byte[24];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(e, vmStateSize);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(e.AsSpan(8), diskSize);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(e.AsSpan(16), icount);
        return e;
    }
}
