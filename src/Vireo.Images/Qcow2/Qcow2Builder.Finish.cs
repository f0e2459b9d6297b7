using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Builder
{
    /// <summary>Writes L2 tables, refcount structures, L1 and header, and sets the file length.</summary>
    public async Task FinishAsync(string preallocation = "off", bool flush = true, CancellationToken ct = default)
    {
        if (preallocation is "metadata" or "falloc" or "full") await PreallocateAsync(preallocation, ct);
        if (_compressedCursor >= 0) { _next = (_compressedCursor + _cs - 1) / _cs * _cs; _compressedCursor = -1; }
        foreach (var (l1Index, table) in _l2)
            await RandomAccess.WriteAsync(_file, ToBytes(table), _l2Offsets[l1Index], ct);
        await WriteRefcountsAsync(ct);
        await RandomAccess.WriteAsync(_file, ToBytes(_l1), (long)_header.L1TableOffset, ct);
        var head = new byte[_cs];
        _header.WriteTo(head);
        // The whole first cluster, as qemu writes it, so the allocation on disk is the same.
        await RandomAccess.WriteAsync(_file, head, 0, ct);
        // Like qemu, a file whose last structure is the L1 table ends where the table ends.
        var l1Clusters = Math.Max(1, (_l1.Length * 8L + _cs - 1) / _cs);
        var end = _next == (long)_header.L1TableOffset + l1Clusters * _cs ? (long)_header.L1TableOffset + _l1.Length * 8L : _next;
        RandomAccess.SetLength(_file, Math.Max(end, RandomAccess.GetLength(_file)));
        if (flush) RandomAccess.FlushToDisk(_file);
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
        {
            // From the first L2 table on, like qemu (the L1 cluster stays as written).
            var from = (long)_header.L1TableOffset + Math.Max(1, (_l1.Length * 8L + _cs - 1) / _cs) * _cs;
            if (_next > from) Raw.SparseFile.Fallocate(_file, from, _next - from);
        }
    }

    /// <summary>
    /// Places the refcount blocks and table, which need refcounts of their own: repeat until every
    /// refcounted cluster has a block and the table covers every block. qemu's reserved first table
    /// and block are used where they suffice.
    /// </summary>
    private async Task WriteRefcountsAsync(CancellationToken ct)
    {
        var perBlock = _cs * 8 / _header.RefcountBits;
        var blockOffsets = new Dictionary<long, long>();
        if (_reservedRefBlock >= 0) blockOffsets[0] = _reservedRefBlock;
        long tableOffset = _reservedRefTable, tableClusters = _reservedRefTable >= 0 ? 1 : 0;
        while (true)
        {
            var missing = _refcounts.Keys.Select(c => c / perBlock).Distinct().Where(b => !blockOffsets.ContainsKey(b)).Order().ToList();
            foreach (var b in missing) blockOffsets[b] = Allocate();
            var needTable = Math.Max(1, ((blockOffsets.Keys.Max() + 1) * 8 + _cs - 1) / _cs);
            if (needTable > tableClusters)
            {
                if (tableOffset >= 0) for (var i = 0; i < tableClusters; i++) _refcounts.Remove(tableOffset / _cs + i);
                tableOffset = Allocate();
                for (var i = 1; i < needTable; i++) Allocate();
                tableClusters = needTable;
                continue;
            }
            if (missing.Count == 0) break;
        }
        var table = new ulong[tableClusters * _cs / 8];
        foreach (var (b, off) in blockOffsets) table[b] = (ulong)off;
        var blocksData = blockOffsets.Keys.ToDictionary(b => b, _ => new byte[_cs]);
        var maxRef = _header.RefcountBits == 64 ? ulong.MaxValue : (1UL << _header.RefcountBits) - 1;
        foreach (var (cluster, count) in _refcounts)
        {
            if ((ulong)count > maxRef) throw new InvalidOperationException($"internal error: refcount {count} of cluster {cluster} exceeds {_header.RefcountBits} bits");
            SetRefcount(blocksData[cluster / perBlock], cluster % perBlock, (ulong)count, _header.RefcountBits);
        }
        foreach (var (b, off) in blockOffsets)
            await RandomAccess.WriteAsync(_file, blocksData[b], off, ct);
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
