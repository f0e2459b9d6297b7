namespace Vireo.Images.Qcow2;

/// <summary>Header-level changes: backing file, lazy refcounts, compat level; and emptying the image.</summary>
public sealed partial class Qcow2Image
{
    /// <summary>Points the image at another backing file (null removes it). Only the header changes.</summary>
    public async Task SetBackingFileAsync(string? backingFile, string? backingFormat, CancellationToken ct = default)
    {
        EnsureWritable();
        Header.BackingFile = backingFile;
        Header.BackingFormat = backingFile is null ? null : backingFormat;
        if (backingFile is null) { Header.BackingFileOffset = 0; Header.BackingFileSize = 0; }
        CheckHeaderFits();
        _headerDirty = true;
        await FlushAsync(ct);
    }

    private void CheckHeaderFits()
    {
        var length = (Header.Version == 3 ? Header.HeaderLength : Qcow2Header.V2Length) + 8
            + Header.Extensions.Sum(e => 8 + ((e.Data.Length + 7) & ~7)) + (Header.BackingFile?.Length ?? 0);
        if (length > ClusterSize) throw new InvalidOperationException("the header (with its extensions and backing file name) does not fit in the first cluster");
    }

    public async Task SetLazyRefcountsAsync(bool on, CancellationToken ct = default)
    {
        EnsureWritable();
        if (on && Header.Version < 3) throw new InvalidOperationException("Lazy refcounts only supported with compatibility level 1.1 and above (use compat=1.1 or greater)");
        if (on) Header.CompatibleFeatures |= Qcow2Header.CompatLazyRefcounts;
        else Header.CompatibleFeatures &= ~Qcow2Header.CompatLazyRefcounts;
        _headerDirty = true;
        await FlushAsync(ct);
    }

    /// <summary>compat=1.1 upgrades the header to version 3; compat=0.10 downgrades when nothing needs version 3.</summary>
    public async Task SetCompatAsync(string compat, CancellationToken ct = default)
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
            if (Header.RefcountBits != 16) throw new InvalidOperationException("Cannot downgrade an image with refcount_bits other than 16");
            if (Header.ExtendedL2) throw new InvalidOperationException("Cannot downgrade an image with extended L2 entries");
            if (Header.CompressionType != 0) throw new InvalidOperationException("Cannot downgrade an image with a compression type other than zlib");
            if (Header.LazyRefcounts) throw new InvalidOperationException("Cannot downgrade an image with lazy refcounts enabled");
            if (await SnapshotsHaveZeroClustersAsync(ct)) throw new InvalidOperationException("Cannot downgrade an image whose snapshots contain zero clusters");
            await ExpandZeroClustersAsync(ct);
            Header.Version = 2;
            Header.IncompatibleFeatures = Header.CompatibleFeatures = Header.AutoclearFeatures = 0;
            Header.Extensions.RemoveAll(e => e.Type == Qcow2HeaderExtension.FeatureNameTable);
        }
        CheckHeaderFits();
        _headerDirty = true;
        await FlushAsync(ct);
    }

    private async Task<bool> SnapshotsHaveZeroClustersAsync(CancellationToken ct)
    {
        foreach (var snap in _snapshots)
            foreach (var e in await ReadL1Async(snap, ct))
            {
                var l2 = Qcow2Entries.L1Offset(e);
                if (l2 == 0) continue;
                var table = await L2AtAsync(l2, ct);
                if (table.Any(x => (x & Qcow2Entries.Compressed) == 0 && (x & Qcow2Entries.ZeroFlag) != 0)) return true;
            }
        return false;
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
                if (Backing is null)
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
        EnsureWritable();
        if (_snapshots.Count > 0) throw new InvalidOperationException("Cannot empty an image that has snapshots");
        await DiscardTailAsync(0, ct);
        await FlushAsync(ct);
    }
}
