
namespace Vireo.Images.Qcow2;

/// <summary>
/// Reference counts for writing: the refcount table and blocks are loaded on demand, changed in
/// memory and written by <see cref="FlushAsync"/> before the tables that point at new clusters.
/// </summary>
public sealed partial class Qcow2Image
{
    private ulong[]? _refTable;
    private readonly Dictionary<long, byte[]> _refBlocks = new();
    private readonly HashSet<long> _dirtyRefBlocks = [];
    private readonly HashSet<long> _dirtyL2 = [];
    private bool _l1Dirty, _headerDirty, _refTableDirty;
    private long _freeHint;
    private long _endCluster = -1;

    private long PerBlock => ClusterSize * 8 / Header.RefcountBits;

    private bool HasUnflushedChanges => HasBitmapChanges || _dirtyRefBlocks.Count > 0 || _dirtyL2.Count > 0 || _l1Dirty || _headerDirty || _refTableDirty;

    private void EnsureWritable()
    {
        if (!Writable) throw new InvalidOperationException($"'{Path}' was opened read-only");
        EnsureUsable();
    }

    private async ValueTask<ulong[]> RefTableAsync(CancellationToken ct)
    {
        if (_refTable is not null) return _refTable;
        var t = await Qcow2Tables.ReadAsync(_file, (long)Header.RefcountTableOffset, Header.RefcountTableClusters * ClusterSize / 8, ct);
        _endCluster = Math.Max(_endCluster, (FileLength + ClusterSize - 1) / ClusterSize);
        return _refTable = t;
    }

    private async ValueTask<byte[]?> RefBlockAsync(long blockIndex, CancellationToken ct)
    {
        var table = await RefTableAsync(ct);
        if (blockIndex >= table.Length) return null;
        var off = (long)(table[blockIndex] & ~511UL);
        if (off == 0) return null;
        if (_refBlocks.TryGetValue(off, out var b)) return b;
        if (off % ClusterSize != 0) throw new InvalidDataException($"qcow2: refcount block {blockIndex} at unaligned offset 0x{off:x}");
        b = new byte[ClusterSize];
        if (off < FileLength) await ReadExactAsync(_file, b.AsMemory(0, (int)Math.Min(ClusterSize, FileLength - off)), off, ct);
        _refBlocks[off] = b;
        return b;
    }

    public async ValueTask<ulong> GetRefcountAsync(long cluster, CancellationToken ct = default)
    {
        var b = await RefBlockAsync(cluster / PerBlock, ct);
        return b is null ? 0 : Qcow2Builder.GetRefcount(b, cluster % PerBlock, Header.RefcountBits);
    }

    private async ValueTask SetRefcountAsync(long cluster, ulong value, CancellationToken ct)
    {
        var max = Header.RefcountBits == 64 ? ulong.MaxValue : (1UL << Header.RefcountBits) - 1;
        if (value > max) throw new InvalidOperationException($"refcount of cluster {cluster} would exceed the {Header.RefcountBits}-bit limit");
        var idx = cluster / PerBlock;
        var table = await RefTableAsync(ct);
        if (idx >= table.Length) table = await GrowRefTableAsync(idx + 1, ct);
        var block = await RefBlockAsync(idx, ct);
        if (block is null)
        {
            if (value == 0) return;
            block = await CreateRefBlockAsync(idx, cluster, ct);
        }
        Qcow2Builder.SetRefcount(block, cluster % PerBlock, value, Header.RefcountBits);
        _dirtyRefBlocks.Add((long)(_refTable![idx] & ~511UL));
        if (value > 0) _endCluster = Math.Max(_endCluster, cluster + 1);
        else if (cluster < _freeHint) _freeHint = cluster;
    }

    /// <summary>
    /// A new refcount block, always placed past everything in use (so it cannot land on clusters being
    /// allocated). If that spot lies in the range the block describes it counts itself; otherwise its
    /// own refcount goes in the block covering it, created the same way.
    /// </summary>
    private async ValueTask<byte[]> CreateRefBlockAsync(long idx, long beingSet, CancellationToken ct)
    {
        var first = idx * PerBlock;
        var at = Math.Max(_endCluster, beingSet + 1);
        var block = new byte[ClusterSize];
        var off = at * ClusterSize;
        await CheckOverlapAsync(off, ClusterSize, Qcow2Metadata.None, ct);
        _refBlocks[off] = block;
        _refTable![idx] = (ulong)off;
        AddMetadata(off, ClusterSize, Qcow2Metadata.RefcountBlock);
        _refTableDirty = true;
        _dirtyRefBlocks.Add(off);
        _endCluster = at + 1;
        if (at >= first && at < first + PerBlock)
            Qcow2Builder.SetRefcount(block, at % PerBlock, 1, Header.RefcountBits);
        else
            await SetRefcountAsync(at, 1, ct);
        return block;
    }

    /// <summary>Moves the refcount table to a larger run of clusters at the end of the image.</summary>
    private async ValueTask<ulong[]> GrowRefTableAsync(long minEntries, CancellationToken ct)
    {
        var old = _refTable!;
        var oldOffset = (long)Header.RefcountTableOffset;
        var oldClusters = (long)Header.RefcountTableClusters;
        var entries = Math.Max(minEntries + 1, old.Length * 2);
        var clusters = (entries * 8 + ClusterSize - 1) / ClusterSize;
        if (clusters * ClusterSize > Qcow2Header.MaxRefcountTableBytes) throw new InvalidOperationException("refcount table would exceed 8 MiB");
        var grown = new ulong[clusters * ClusterSize / 8];
        old.CopyTo(grown, 0);
        _refTable = grown;
        var start = Math.Max(_endCluster, (FileLength + ClusterSize - 1) / ClusterSize);
        await CheckOverlapAsync(start * ClusterSize, clusters * ClusterSize, Qcow2Metadata.None, ct);
        Header.RefcountTableOffset = (ulong)(start * ClusterSize);
        InvalidateMetadataMap();
        Header.RefcountTableClusters = (uint)clusters;
        _refTableDirty = _headerDirty = true;
        _endCluster = start + clusters; // a refcount block created below must not land on the new table
        for (var c = start; c < start + clusters; c++) await SetRefcountAsync(c, 1, ct);
        for (var c = oldOffset / ClusterSize; c < oldOffset / ClusterSize + oldClusters; c++) await SetRefcountAsync(c, 0, ct);
        return _refTable;
    }

    /// <summary>
    /// Finds <paramref name="count"/> contiguous free clusters and takes them (refcount 1). Clusters that
    /// hold metadata although their refcount says free are refused (a corruption event), never handed out.
    /// </summary>
    public async ValueTask<long> AllocateClustersAsync(int count, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            await RefTableAsync(ct);
            var start = _freeHint;
            var run = 0;
            for (var c = _freeHint; ; c++)
            {
                if ((c & 0xfff) == 0) ct.ThrowIfCancellationRequested();
                if (c >= _endCluster || await GetRefcountAsync(c, ct) == 0)
                {
                    if (run == 0) start = c;
                    if (++run == count) break;
                }
                else run = 0;
            }
            await CheckOverlapAsync(start * ClusterSize, count * ClusterSize, Qcow2Metadata.None, ct);
            // Reserve the whole run first: refcount blocks created while counting it go past it.
            _endCluster = Math.Max(_endCluster, start + count);
            for (var c = start; c < start + count; c++) await SetRefcountAsync(c, 1, ct);
            if (start == _freeHint) _freeHint = start + count;
            return start * ClusterSize;
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    /// <summary>Adds delta to the refcount of every cluster of the range: all of them or, if one would go out of range, none.</summary>
    private async ValueTask AddRefAsync(long offset, long length, int delta, CancellationToken ct)
    {
        var first = offset / ClusterSize;
        var last = (offset + length - 1) / ClusterSize;
        // A new reference is always to a cluster that exists: one far past the end of the file is a bogus table entry,
        // and counting it would place refcount structures out there (qemu's check calls it a corruption).
        if (delta > 0 && offset + length - DataLimit >= ClusterSize)
            throw new InvalidDataException($"qcow2: the image references 0x{offset:x}, past the end of the file; run 'vireo img check'");
        var max = Header.RefcountBits == 64 ? ulong.MaxValue : (1UL << Header.RefcountBits) - 1;
        for (var c = first; c <= last; c++)
        {
            var rc = await GetRefcountAsync(c, ct);
            if (delta < 0 && rc < (ulong)-delta)
                throw new InvalidDataException($"qcow2: refcount of cluster {c} would drop below zero; run 'vireo img check'");
            if (delta > 0 && max - rc < (ulong)delta)
                throw new InvalidOperationException($"refcount of cluster {c} would exceed the {Header.RefcountBits}-bit limit");
        }
        for (var c = first; c <= last; c++)
            await SetRefcountAsync(c, delta < 0 ? await GetRefcountAsync(c, ct) - (ulong)-delta : await GetRefcountAsync(c, ct) + (ulong)delta, ct);
    }

    /// <summary>Writes refcounts first, then the tables that reference new clusters, then L1, refcount table and header.</summary>
    public async ValueTask FlushAsync(CancellationToken ct = default)
    {
        try
        {
            if (!Writable || Unusable) return;
            // Every write of the flush is checked before the first is made: a flush lands whole or not at all.
            await CheckPendingWritesAsync(ct);
            await FlushBitmapDataAsync(ct);
            foreach (var off in _dirtyRefBlocks) await WriteCheckedAsync(_refBlocks[off], off, Qcow2Metadata.RefcountBlock, ct);
            _dirtyRefBlocks.Clear();
            foreach (var off in _dirtyL2) await WriteCheckedAsync(ToBytes(_l2Cache[off]), off, SharedL2, ct);
            _dirtyL2.Clear();
            if (_l1Dirty) await WriteCheckedAsync(ToBytes(_l1), (long)Header.L1TableOffset, Qcow2Metadata.ActiveL1, ct);
            if (_refTableDirty) await WriteCheckedAsync(ToBytes(_refTable!), (long)Header.RefcountTableOffset, Qcow2Metadata.RefcountTable, ct);
            if (_headerDirty)
            {
                var head = new byte[ClusterSize];
                Header.WriteTo(head);
                // The header never leaves cluster 0, and qemu writes it unchecked: whatever else claims cluster 0 is the corruption.
                await WriteCheckedAsync(head.AsMemory(0, (int)Math.Min(ClusterSize, 64 * 1024)), 0, Qcow2Metadata.All, ct);
            }
            _l1Dirty = _refTableDirty = _headerDirty = false;
            RandomAccess.FlushToDisk(_file);
            await ClearInUseAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    /// <summary>A shared L2 table is changed in place (COPIED flags), so L2 writes may touch inactive L2 tables, as in qemu.</summary>
    private const Qcow2Metadata SharedL2 = Qcow2Metadata.ActiveL2 | Qcow2Metadata.InactiveL2;

    private async ValueTask CheckPendingWritesAsync(CancellationToken ct)
    {
        foreach (var off in _dirtyBitmapData) await CheckOverlapAsync(off, ClusterSize, Qcow2Metadata.BitmapData, ct);
        foreach (var i in _dirtyBitmapTables) await CheckOverlapAsync((long)_bitmaps[i].TableOffset, _bitmaps[i].TableSize * 8L, Qcow2Metadata.BitmapTable, ct);
        foreach (var off in _dirtyRefBlocks) await CheckOverlapAsync(off, ClusterSize, Qcow2Metadata.RefcountBlock, ct);
        foreach (var off in _dirtyL2) await CheckOverlapAsync(off, ClusterSize, SharedL2, ct);
        if (_l1Dirty) await CheckOverlapAsync((long)Header.L1TableOffset, _l1.Length * 8L, Qcow2Metadata.ActiveL1, ct);
        if (_refTableDirty) await CheckOverlapAsync((long)Header.RefcountTableOffset, _refTable!.Length * 8L, Qcow2Metadata.RefcountTable, ct);
    }

    internal static byte[] ToBytes(ulong[] entries) => Qcow2Tables.ToBytes(entries);
}
