using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Builder
{
    /// <summary>Writes L2 tables, refcount structures, L1 and header, and sets the file length.</summary>
    public async Task FinishAsync(string preallocation = "off", CancellationToken ct = default)
    {
        if (preallocation is "metadata" or "falloc" or "full") await PreallocateAsync(preallocation, ct);
        if (_compressedCursor >= 0) { _next = (_compressedCursor + _cs - 1) / _cs * _cs; _compressedCursor = -1; }
        foreach (var (l1Index, table) in _l2)
            await RandomAccess.WriteAsync(_file, ToBytes(table), _l2Offsets[l1Index], ct);
        await WriteRefcountsAsync(ct);
        await RandomAccess.WriteAsync(_file, ToBytes(_l1), (long)_header.L1TableOffset, ct);
        var head = new byte[_cs];
        _header.WriteTo(head);
        await RandomAccess.WriteAsync(_file, head.AsMemory(0, (int)Math.Min(_cs, 4096 * 2)), 0, ct);
        // Like qemu, a file whose last structure is the L1 table ends where the table ends.
        var l1Clusters = Math.Max(1, (_l1.Length * 8L + _cs - 1) / _cs);
        var end = _next == (long)_header.L1TableOffset + l1Clusters * _cs ? (long)_header.L1TableOffset + _l1.Length * 8L : _next;
        RandomAccess.SetLength(_file, Math.Max(end, RandomAccess.GetLength(_file)));
        RandomAccess.FlushToDisk(_file);
    }

    private async Task PreallocateAsync(string mode, CancellationToken ct)
    {
        var clusters = ((long)_header.Size + _cs - 1) / _cs;
        for (long c = 0; c < clusters; c++)
        {
            var table = L2For(c, out var i);
            var at = Allocate();
            if (_header.ExtendedL2) { table[i * 2] = (ulong)at | Qcow2Entries.Copied; table[i * 2 + 1] = 0xffffffff00000000UL; }
            else table[i] = (ulong)at | Qcow2Entries.Copied | (_header.Version == 3 && mode == "metadata" ? Qcow2Entries.ZeroFlag : 0);
        }
        if (mode == "full")
        {
            var zeros = new byte[Math.Min(_cs * 16, 4 * 1024 * 1024)];
            for (var pos = (long)_header.L1TableOffset; pos < _next; pos += zeros.Length)
                await RandomAccess.WriteAsync(_file, zeros.AsMemory(0, (int)Math.Min(zeros.Length, _next - pos)), pos, ct);
        }
        else if (mode == "falloc")
            RandomAccess.SetLength(_file, _next);
    }

    /// <summary>Places the refcount table and blocks (which need refcounts themselves) and writes them.</summary>
    private async Task WriteRefcountsAsync(CancellationToken ct)
    {
        var perBlock = _cs * 8 / _header.RefcountBits;
        long tableOffset, tableClusters;
        var blockOffsets = new Dictionary<long, long>();
        var useReserved = _reservedRefTable >= 0 && _refcounts.Keys.Max() < perBlock;
        if (useReserved)
        {
            tableOffset = _reservedRefTable;
            tableClusters = 1;
            blockOffsets[0] = _reservedRefBlock;
        }
        else
        {
            // Grow until the structures cover everything including themselves.
            var start = _next;
            long blocks = 0, tclusters = 1;
            while (true)
            {
                var total = start / _cs + blocks + tclusters;
                var needBlocks = (total + perBlock - 1) / perBlock;
                var needTable = Math.Max(1, (needBlocks * 8 + _cs - 1) / _cs);
                if (needBlocks == blocks && needTable == tclusters) break;
                blocks = needBlocks;
                tclusters = needTable;
            }
            tableOffset = start;
            tableClusters = tclusters;
            for (var t = 0; t < tclusters; t++) Allocate();
            var used = _refcounts.Keys.Append(start / _cs + tclusters + blocks).Select(c => c / perBlock).ToHashSet();
            foreach (var b in Enumerable.Range(0, (int)blocks).Select(x => (long)x).Where(used.Contains).Order())
                blockOffsets[b] = Allocate();
        }
        var table = new ulong[tableClusters * _cs / 8];
        foreach (var (b, off) in blockOffsets) table[b] = (ulong)off;
        var blocksData = new Dictionary<long, byte[]>();
        foreach (var (cluster, count) in _refcounts)
        {
            var b = cluster / perBlock;
            if (!blockOffsets.ContainsKey(b))
                throw new InvalidOperationException($"internal error: no refcount block for cluster {cluster}");
            if (!blocksData.TryGetValue(b, out var data)) blocksData[b] = data = new byte[_cs];
            SetRefcount(data, cluster % perBlock, (ulong)count, _header.RefcountBits);
        }
        foreach (var (b, off) in blockOffsets)
            await RandomAccess.WriteAsync(_file, blocksData.TryGetValue(b, out var d) ? d : new byte[_cs], off, ct);
        await RandomAccess.WriteAsync(_file, ToBytes(table), tableOffset, ct);
        _header.RefcountTableOffset = (ulong)tableOffset;
        _header.RefcountTableClusters = (uint)tableClusters;
    }

    /// <summary>Refcount entries: big-endian for 8+ bits, packed from the low bits of each byte below 8 (as qemu).</summary>
    internal static void SetRefcount(Span<byte> block, long index, ulong value, int bits)
    {
        switch (bits)
        {
            case 64: BinaryPrimitives.WriteUInt64BigEndian(block[(int)(index * 8)..], value); break;
            case 32: BinaryPrimitives.WriteUInt32BigEndian(block[(int)(index * 4)..], (uint)value); break;
            case 16: BinaryPrimitives.WriteUInt16BigEndian(block[(int)(index * 2)..], (ushort)value); break;
            case 8: block[(int)index] = (byte)value; break;
            default:
                var perByte = 8 / bits;
                var shift = (int)(index % perByte) * bits;
                var mask = (byte)(((1 << bits) - 1) << shift);
                ref var cell = ref block[(int)(index / perByte)];
                cell = (byte)((cell & ~mask) | (((int)value << shift) & mask));
                break;
        }
    }

    internal static ulong GetRefcount(ReadOnlySpan<byte> block, long index, int bits) => bits switch
    {
        64 => BinaryPrimitives.ReadUInt64BigEndian(block[(int)(index * 8)..]),
        32 => BinaryPrimitives.ReadUInt32BigEndian(block[(int)(index * 4)..]),
        16 => BinaryPrimitives.ReadUInt16BigEndian(block[(int)(index * 2)..]),
        8 => block[(int)index],
        _ => (ulong)((block[(int)(index / (8 / bits))] >> ((int)(index % (8 / bits)) * bits)) & ((1 << bits) - 1)),
    };
}
