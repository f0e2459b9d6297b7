using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

/// <summary>
/// rebuild_refcount_structure: a new refcount table and blocks made only from the counted references.
/// Blocks and table go into free clusters of the in-memory table (first fit, as qemu places them); the old
/// structure becomes leaked space the leak repair then frees.
/// </summary>
public sealed partial class Qcow2Checker
{
    private async Task RebuildRefcountStructureAsync(Qcow2CheckResult res, CancellationToken ct)
    {
        _blocks.Clear();
        var reftable = Array.Empty<ulong>();
        var grown = await WriteRefblocksAsync(res, 0, _nbClusters, ref_: new RefTableHolder(reftable), ct);
        reftable = grown.Table;
        long reftableOffset, reftableClusters;
        do
        {
            long firstFree = 0;
            reftableClusters = ClustersFor(reftable.Length * 8L);
            reftableOffset = AllocateImrt((int)reftableClusters, ref firstFree);
            var start = reftableOffset >> _clusterBits;
            grown = await WriteRefblocksAsync(res, start, start + reftableClusters, new RefTableHolder(reftable), ct);
            reftable = grown.Table;
        } while (grown.Grown);
        if (!await WriteCheckedAsync(Qcow2Tables.ToBytes(reftable), reftableOffset, Qcow2Metadata.None, ct))
        {
            Say("vireo img: ERROR writing reftable: Input/output error");
            throw Abort(res, "Input/output error");
        }
        var pointer = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(pointer, (ulong)reftableOffset);
        BinaryPrimitives.WriteUInt32BigEndian(pointer.AsSpan(8), (uint)reftableClusters);
        RandomAccess.FlushToDisk(_file);
        await RandomAccess.WriteAsync(_file, pointer, 48, ct);
        RandomAccess.FlushToDisk(_file);
        _refTable = reftable;
        _refTableOffset = reftableOffset;
        _h.RefcountTableOffset = (ulong)reftableOffset;
        _h.RefcountTableClusters = (uint)reftableClusters;
        _blocks.Clear();
    }

    private sealed record RefTableHolder(ulong[] Table, bool Grown = false);

    /// <summary>
    /// rebuild_refcounts_write_refblocks: writes a block for every block-sized range of
    /// [first, end) holding a counted cluster, allocating the blocks that do not exist yet (which may
    /// extend the range: a block must count itself). Returns the table and whether it had to grow.
    /// </summary>
    private async Task<RefTableHolder> WriteRefblocksAsync(Qcow2CheckResult res, long first, long end, RefTableHolder ref_, CancellationToken ct)
    {
        var table = ref_.Table;
        var grown = false;
        long firstFree = 0;
        var perBlock = 1L << _refblockBits;
        for (var cluster = first; cluster < end; cluster++)
        {
            if (Imrt(cluster) == 0) continue;
            var index = cluster >> _refblockBits;
            var blockStart = index << _refblockBits;
            long blockOffset;
            if (table.Length > index && table[index] != 0) blockOffset = (long)table[index];
            else
            {
                if (firstFree < blockStart) firstFree = blockStart;
                blockOffset = AllocateImrt(1, ref firstFree);
                if (blockOffset >> _clusterBits >= end) end = (blockOffset >> _clusterBits) + 1;
                if (table.Length <= index)
                {
                    var entries = ((index + 1) * 8 + _cs - 1) / _cs * _cs / 8;
                    Array.Resize(ref table, (int)entries);
                    grown = true;
                }
                table[index] = (ulong)blockOffset;
            }
            var block = new byte[_cs];
            for (long k = 0; k < perBlock && blockStart + k < _nbClusters; k++)
                if (_imrt[blockStart + k] is var n and not 0) Qcow2Builder.SetRefcount(block, k, n, _refcountBits);
            if (!await WriteCheckedAsync(block, blockOffset, Qcow2Metadata.None, ct))
            {
                Say("vireo img: ERROR writing refblock: Input/output error");
                throw Abort(res, "Input/output error");
            }
            cluster = blockStart + perBlock - 1;
        }
        return new RefTableHolder(table, grown);
    }
}
