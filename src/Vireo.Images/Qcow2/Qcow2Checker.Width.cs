using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

/// <summary>amend refcount_bits: every reference is recounted and a new refcount structure of the new width is written.</summary>
public sealed partial class Qcow2Checker
{
    /// <summary>Changes the refcount width of a consistent image; the old structure becomes free space.</summary>
    public static async Task ChangeRefcountWidthAsync(string path, int bits, CancellationToken ct = default)
    {
        if (bits is not (1 or 2 or 4 or 8 or 16 or 32 or 64)) throw new ArgumentException("Refcount width must be a power of two and may not exceed 64 bits");
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        var c = await OpenAsync(path, file, RepairMode.None, ct);
        if (c._h.Version < 3 && bits != 16)
            throw new InvalidOperationException("Different refcount widths than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)");
        if (c._h.RefcountBits == bits) return;
        var res = new Qcow2CheckResult();
        try
        {
            await c.ReadSnapshotTableAsync(res, ct);
            c.ResetImrt(c.ClustersFor(c._fileLength));
            var rebuild = await c.CalculateRefcountsAsync(res, ct);
            if (rebuild || res.Corruptions > 0 || res.CheckErrors > 0) throw new InvalidDataException("the image has errors; run 'vireo img check -r all' first");
        }
        catch (Qcow2CheckAbort e) { throw new InvalidDataException($"the image cannot be checked ({e.Message}); run 'vireo img check'"); }
        await c.WriteStructureAtEndAsync(bits, ct);
    }

    /// <summary>
    /// Lays a complete refcount structure of <paramref name="bits"/>-bit entries past the end of the image
    /// (the new table and blocks count themselves; the old ones count no more), then switches the header's
    /// table pointer and refcount_order together in one sector write.
    /// </summary>
    private async Task WriteStructureAtEndAsync(int bits, CancellationToken ct)
    {
        var perBlock = _cs * 8 / bits;
        var start = Math.Max(ClustersFor(_fileLength), _nbClusters);
        long blocks = 0, tableClusters = 1;
        while (true)
        {
            var total = start + blocks + tableClusters;
            var needBlocks = (total + perBlock - 1) / perBlock;
            var needTable = Math.Max(1, ClustersFor(needBlocks * 8));
            if (needBlocks == blocks && needTable == tableClusters) break;
            (blocks, tableClusters) = (needBlocks, needTable);
        }
        void Drop(long cluster)
        {
            if (cluster < _nbClusters && _imrt[cluster] > 0) _imrt[cluster]--;
        }
        for (var i = 0L; i < _h.RefcountTableClusters; i++) Drop(_refTableOffset / _cs + i);
        foreach (var e in _refTable)
            if ((e & RefTableOffsetMask) is var o and not 0) Drop((long)(o >> _clusterBits));
        GrowImrt(start + tableClusters + blocks);
        for (var cl = start; cl < start + tableClusters + blocks; cl++) _imrt[cl] = 1;
        var max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var table = new ulong[tableClusters * _cs / 8];
        for (long b = 0; b < blocks; b++)
        {
            var offset = (start + tableClusters + b) * _cs;
            table[b] = (ulong)offset;
            var block = new byte[_cs];
            for (long k = 0; k < perBlock && b * perBlock + k < _nbClusters; k++)
            {
                var n = _imrt[b * perBlock + k];
                if (n > max) throw new InvalidOperationException($"cluster {b * perBlock + k} has {n} references, more than refcount_bits={bits} can hold");
                if (n != 0) Qcow2Builder.SetRefcount(block, k, n, bits);
            }
            await WriteNewStructureAsync(block, offset, ct);
        }
        await WriteNewStructureAsync(Qcow2Tables.ToBytes(table), start * _cs, ct);
        RandomAccess.FlushToDisk(_file);
        var first = new byte[512];
        await RandomAccess.ReadAsync(_file, first, 0, ct);
        BinaryPrimitives.WriteUInt64BigEndian(first.AsSpan(48), (ulong)(start * _cs));
        BinaryPrimitives.WriteUInt32BigEndian(first.AsSpan(56), (uint)tableClusters);
        BinaryPrimitives.WriteUInt32BigEndian(first.AsSpan(96), (uint)System.Numerics.BitOperations.Log2((uint)bits));
        await RandomAccess.WriteAsync(_file, first, 0, ct);
        RandomAccess.FlushToDisk(_file);
    }

    /// <summary>The new structure lies past everything counted; the overlap check still stands guard, as for every write.</summary>
    private async Task WriteNewStructureAsync(byte[] data, long offset, CancellationToken ct)
    {
        if (!await WriteCheckedAsync(data, offset, Qcow2Metadata.None, ct))
            throw new InvalidDataException($"qcow2: the new refcount structure at 0x{offset:x} would overwrite the image's metadata");
    }
}
