using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Storage.Files;

/// <summary>Another file an image makes QEMU open: its backing file, or a qcow2 external data file.</summary>
public sealed record ImageReference(string What, string Name, string? Format);

/// <summary>
/// Reads, from an image's header alone, the other files QEMU opens with it (qcow2 backing file and
/// external data file, qcow and QED backing files, VMDK extents and parent), so they can be checked
/// before QEMU or a clone follows them. Tolerant: a header it cannot make sense of yields nothing; QEMU would refuse that image too.
/// </summary>
public static partial class ImageReferences
{
    private const uint Qcow2Magic = 0x514649fb;      // "QFI\xfb", big-endian
    private const uint QedMagic = 0x00444551;        // "QED\0", little-endian
    private const uint BackingFormatExtension = 0xe2792aca;
    private const uint DataFileExtension = 0x44415441;
    private const int HeadBytes = 64 * 1024;

    /// <summary>The format QEMU would probe for these first bytes: qcow2, qcow, qed, or raw.</summary>
    public static string Probe(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(head) == Qcow2Magic)
            return BinaryPrimitives.ReadUInt32BigEndian(head[4..]) == 1 ? "qcow" : "qcow2";
        if (head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == QedMagic) return "qed";
        if (IsVmdk(head)) return "vmdk";
        return "raw";
    }

    /// <summary>The references of an open image file read as <paramref name="format"/> (null: probed, as QEMU does).</summary>
    public static IReadOnlyList<ImageReference> Read(SafeFileHandle file, string? format)
    {
        var head = new byte[(int)Math.Min(HeadBytes, RandomAccess.GetLength(file))];
        head = head[..RandomAccess.Read(file, head, 0)];
        byte[] At(ulong offset, uint length)
        {
            var b = new byte[length];
            return RandomAccess.Read(file, b, (long)offset) == length ? b : throw new InvalidDataException("short read");
        }
        try
        {
            return (format ?? Probe(head)) switch
            {
                "qcow2" => Qcow2(head, At),
                "qcow" => Qcow(head, At),
                "qed" => Qed(head, At),
                "vmdk" => Vmdk(head, At),
                _ => [],
            };
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or OverflowException) { return []; }
    }

    private static IReadOnlyList<ImageReference> Qcow2(byte[] h, Func<ulong, uint, byte[]> at)
    {
        if (h.Length < 72 || BinaryPrimitives.ReadUInt32BigEndian(h) != Qcow2Magic) return [];
        var version = BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(4));
        var clusterSize = 1UL << (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(20)), 31);
        var headerLength = version >= 3 && h.Length >= 104 ? BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(100)) : 72u;
        var list = new List<ImageReference>();
        string? backingFormat = null;
        // Header extensions: type, length, data padded to 8 bytes, up to the end marker.
        for (var pos = (int)headerLength; pos + 8 <= h.Length && pos < (int)Math.Min(clusterSize, (ulong)h.Length);)
        {
            var type = BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(pos));
            var len = (int)BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(pos + 4));
            if (type == 0 || len < 0 || pos + 8 + len > h.Length) break;
            var data = Encoding.UTF8.GetString(h, pos + 8, len);
            if (type == BackingFormatExtension) backingFormat = data;
            if (type == DataFileExtension) list.Add(new ImageReference("data file", data, "raw"));
            pos += 8 + ((len + 7) & ~7);
        }
        if (BackingName(h, at, BinaryPrimitives.ReadUInt64BigEndian(h.AsSpan(8)), BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(16))) is { } b)
            list.Insert(0, new ImageReference("backing file", b, backingFormat));
        return list;
    }

    private static IReadOnlyList<ImageReference> Qcow(byte[] h, Func<ulong, uint, byte[]> at) =>
        h.Length >= 20 && BackingName(h, at, BinaryPrimitives.ReadUInt64BigEndian(h.AsSpan(8)), BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(16))) is { } b
            ? [new ImageReference("backing file", b, null)]
            : [];

    private static IReadOnlyList<ImageReference> Qed(byte[] h, Func<ulong, uint, byte[]> at)
    {
        if (h.Length < 64) return [];
        var features = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(16));
        if ((features & 1) == 0) return []; // QED_F_BACKING_FILE
        var name = BackingName(h, at, BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(56)), BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(60)));
        // QED_F_BACKING_FORMAT_NO_PROBE: the backing file is raw.
        return name is null ? [] : [new ImageReference("backing file", name, (features & 4) != 0 ? "raw" : null)];
    }

    private static string? BackingName(byte[] h, Func<ulong, uint, byte[]> at, ulong offset, uint size)
    {
        if (offset == 0 || size == 0) return null;
        if (size > 4096) throw new InvalidDataException("backing file name too long");
        var bytes = offset + size <= (ulong)h.Length ? h.AsSpan((int)offset, (int)size).ToArray() : at(offset, size);
        return Encoding.UTF8.GetString(bytes);
    }
}
