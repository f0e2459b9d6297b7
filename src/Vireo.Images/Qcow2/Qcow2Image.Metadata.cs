namespace Vireo.Images.Qcow2;

/// <summary>Header-level changes: backing file, lazy refcounts, compat level; and emptying the image.</summary>
public sealed partial class Qcow2Image
{
    /// <summary>Points the image at another backing file (null removes it). Only the header changes.</summary>
    public async Task SetBackingFileAsync(string? backingFile, string? backingFormat, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            Header.BackingFile = backingFile;
            Header.BackingFormat = backingFile is null ? null : backingFormat;
            if (backingFile is null) { Header.BackingFileOffset = 0; Header.BackingFileSize = 0; }
            CheckHeaderFits();
            _headerDirty = true;
            await FlushAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    private void CheckHeaderFits()
    {
        var length = (Header.Version == 3 ? Header.HeaderLength : Qcow2Header.V2Length) + 8
            + Header.Extensions.Sum(e => 8 + ((e.Data.Length + 7) & ~7)) + (Header.BackingFile?.Length ?? 0);
        if (length > ClusterSize) throw new InvalidOperationException("the header (with its extensions and backing file name) does not fit in the first cluster");
    }

    public async Task SetLazyRefcountsAsync(bool on, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            if (on && Header.Version < 3) throw new InvalidOperationException("Lazy refcounts only supported with compatibility level 1.1 and above (use compat=1.1 or greater)");
            if (on) Header.CompatibleFeatures |= Qcow2Header.CompatLazyRefcounts;
            else Header.CompatibleFeatures &= ~Qcow2Header.CompatLazyRefcounts;
            _headerDirty = true;
            await FlushAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    /// <summary>compat=1.1 upgrades the header to version 3; compat=0.10 downgrades when nothing needs version 3.</summary>
    public async Task SetCompatAsync(string compat, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            var target = compat is "0.10" or "v2" ? 2u : compat is "1.1" or "v3" ? 3u : throw new ArgumentException($"Invalid parameter '{compat}' for compat");
            if (target == Header.Version) return;
            if (target == 3)
            {
                Header.Version = 3;
                Header.HeaderLength = 112;
                Header.RefcountOrder = 4;
            }
            else
            {
                RefuseWithBitmaps("downgrade");
                if (Header.RefcountBits != 16) throw new InvalidOperationException("Cannot downgrade an image with refcount_bits other than 16");
                if (Header.ExtendedL2) throw new InvalidOperationException("Cannot downgrade an image with extended L2 entries");
                if (Header.CompressionType != 0) throw new InvalidOperationException("Cannot downgrade an image with a compression type other than zlib");
                if (Header.LazyRefcounts) throw new InvalidOperationException("Cannot downgrade an image with lazy refcounts enabled");
                // As qemu, the active table is gone through first: a corruption found there stops the downgrade before it writes.
                await ValidateActiveMappingAsync(ct);
                await ExpandSnapshotZeroClustersAsync(ct);
                await ExpandZeroClustersAsync(ct);
                Header.Version = 2;
                Header.IncompatibleFeatures = Header.CompatibleFeatures = Header.AutoclearFeatures = 0;
                Header.Extensions.RemoveAll(e => e.Type == Qcow2HeaderExtension.FeatureNameTable);
            }
            CheckHeaderFits();
            _headerDirty = true;
            await FlushAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    /// <summary>
    /// The snapshots' zero clusters. An L2 table is changed in place even when several snapshots share
    /// it (every sharer reads zeros there, before and after). A preallocated zero cluster is zeroed in
    /// place only when nothing else references it; otherwise (another snapshot may still read data
    /// from it: qemu 7.2 overwrites that data) the table lets go of it and gets a fresh cluster.
    /// </summary>
    private async Task ExpandSnapshotZeroClustersAsync(CancellationToken ct)
    {
        var zeros = new byte[ClusterSize];
        var seen = new HashSet<long>();
        var changedTables = new List<(long Offset, ulong[] Table)>();
        foreach (var snap in _snapshots)
        {
            var l1 = await ReadL1Async(snap, ct);
            for (var l1Index = 0; l1Index < l1.Length; l1Index++)
            {
                var l2 = Qcow2Entries.L1Offset(l1[l1Index]);
                if (l2 == 0 || !seen.Add(l2)) continue;
                var table = await MappedL2Async(l1Index, l2, ct);
                var tableRefs = await GetRefcountAsync(l2 / ClusterSize, ct);
                var changed = false;
                for (var i = 0; i < table.Length; i++)
                {
                    var entry = table[i];
                    if ((entry & Qcow2Entries.Compressed) != 0 || (entry & Qcow2Entries.ZeroFlag) == 0) continue;
                    changed = true;
                    var host = await MappedClusterAsync(l2, i, entry, ct);
                    if (host != 0 && (tableRefs != 1 || await GetRefcountAsync(host / ClusterSize, ct) != 1))
                    {
                        await AddRefAsync(host, ClusterSize, -(int)tableRefs, ct);
                        host = 0;
                    }
                    if (host == 0)
                    {
                        if (Header.BackingFile is null) { table[i] = 0; continue; }
                        host = await AllocateClustersAsync(1, ct);
                        if (tableRefs > 1) await SetRefcountAsync(host / ClusterSize, tableRefs, ct);
                    }
                    await WriteCheckedAsync(zeros, host, Qcow2Metadata.None, ct);
                    table[i] = (ulong)host | (tableRefs == 1 ? Qcow2Entries.Copied : 0);
                }
                if (changed) changedTables.Add((l2, table));
            }
        }
        if (changedTables.Count == 0) return;
        // Refcounts reach the disk before the tables that point at new clusters.
        await FlushAsync(ct);
        foreach (var (offset, table) in changedTables)
            await WriteCheckedAsync(ToBytes(table), offset, Qcow2Metadata.ActiveL2 | Qcow2Metadata.InactiveL2, ct);
        // Clusters whose last other reference went away may now be the active layer's alone.
        await RecomputeCopiedFlagsAsync(ct);
    }

    /// <summary>
    /// Version 2 has no zero clusters: without a backing file they become unallocated (which reads as
    /// zeros); with one they are written as real zeros so the backing file does not show through.
    /// </summary>
    private async Task ExpandZeroClustersAsync(CancellationToken ct)
    {
        var zeros = new byte[ClusterSize];
        for (var l1i = 0L; l1i < _l1.Length; l1i++)
        {
            if (Qcow2Entries.L1Offset(_l1[l1i]) == 0) continue;
            for (var i = 0L; i < Header.L2Entries; i++)
            {
                var table = await L2ForWriteAsync(l1i, ct);
                var entry = table[i];
                if ((entry & Qcow2Entries.Compressed) != 0 || (entry & Qcow2Entries.ZeroFlag) == 0) continue;
                var guest = (l1i * Header.L2Entries + i) * ClusterSize;
                if (guest >= VirtualSize) continue;
                if (Header.BackingFile is null)
                {
                    await FreeEntryAsync(table, (int)i, ct);
                    _dirtyL2.Add(Qcow2Entries.L1Offset(_l1[l1i]));
                }
                else await WriteAsync(guest, zeros.AsMemory(0, (int)Math.Min(ClusterSize, VirtualSize - guest)), ct);
            }
        }
        await FlushAsync(ct);
    }

    /// <summary>Drops every cluster of the active layer (after a commit), so reads go to the backing file again.</summary>
    public async Task MakeEmptyAsync(CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            if (_snapshots.Count > 0) throw new InvalidOperationException("Cannot empty an image that has snapshots");
            await MarkDirtyAsync(0, VirtualSize, ct);
            await DiscardTailAsync(0, ct);
            await FlushAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }
}
