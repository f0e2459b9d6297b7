namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Image
{
    /// <summary>Changes the virtual size. Growing may move the L1 table; shrinking frees the clusters past the new end.</summary>
    public async Task ResizeAsync(long newSize, bool allowShrink, CancellationToken ct = default, string preallocation = "off")
    {
        try
        {
            if (preallocation is not ("off" or "metadata" or "falloc" or "full"))
                throw new ArgumentException($"Invalid parameter '{preallocation}' for preallocation");
            if (preallocation != "off" && newSize < VirtualSize) throw new InvalidOperationException("Preallocation can only be used for growing images");
            EnsureWritable();
            if (newSize != VirtualSize) RefuseWithBitmaps("resize");
            if (newSize % 512 != 0) throw new ArgumentException("The new size must be a multiple of 512 bytes");
            if (newSize < VirtualSize && !allowShrink) throw new InvalidOperationException("Use the --shrink option to perform a shrink operation.");
            if (newSize < VirtualSize && Snapshots.Count > 0) throw new InvalidOperationException("Can't resize an image which has snapshots");
            var perL1 = Header.L2Entries * ClusterSize;
            var needed = (newSize + perL1 - 1) / perL1;
            if (needed > _l1.Length) await GrowL1Async((int)needed, ct);
            if (newSize < VirtualSize) await DiscardTailAsync(newSize, ct);
            var oldSize = VirtualSize;
            Header.Size = (ulong)newSize;
            _headerDirty = true;
            if (preallocation != "off") await PreallocateRangeAsync(oldSize, newSize, preallocation, ct);
            await FlushAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    /// <summary>Allocates the clusters wholly inside the new area: zero clusters (metadata, v3), fallocated or zero-filled data.</summary>
    private async Task PreallocateRangeAsync(long from, long to, string mode, CancellationToken ct)
    {
        var first = (from + ClusterSize - 1) / ClusterSize;
        var last = to / ClusterSize;
        if (from % ClusterSize != 0)
            await WriteAsync(from, new byte[first * ClusterSize - from], ct); // the partial cluster at the old end
        var zeros = mode == "full" ? new byte[ClusterSize] : null;
        for (var c = first; c < last; c++)
        {
            var table = await L2ForWriteAsync(c / Header.L2Entries, ct);
            var idx = (int)(c % Header.L2Entries) * (Header.ExtendedL2 ? 2 : 1);
            if (table[idx] != 0) continue;
            var host = await AllocateClustersAsync(1, ct);
            if (zeros is not null) await WriteCheckedAsync(zeros, host, Qcow2Metadata.None, ct);
            else if (mode == "falloc") Raw.SparseFile.Fallocate(_file, host, ClusterSize); // a freshly allocated (checked) cluster
            var metadataOnly = mode == "metadata";
            if (Header.ExtendedL2) { table[idx] = (ulong)host | Qcow2Entries.Copied; table[idx + 1] = metadataOnly ? 0xffffffff00000000UL : 0xffffffffUL; }
            else table[idx] = (ulong)host | Qcow2Entries.Copied | (metadataOnly && Header.Version == 3 ? Qcow2Entries.ZeroFlag : 0);
            _dirtyL2.Add(Qcow2Entries.L1Offset(_l1[c / Header.L2Entries]));
        }
        // Clusters allocated but never written (metadata mode) must still lie inside the file.
        var end = _endCluster * ClusterSize;
        if (FileLength < end) RandomAccess.SetLength(_file, end);
    }

    private async Task GrowL1Async(int entries, CancellationToken ct)
    {
        if (entries * 8L > Qcow2Header.MaxL1Bytes) throw new InvalidOperationException("the new size needs an L1 table larger than 32 MiB");
        var grown = new ulong[entries];
        _l1.CopyTo(grown, 0);
        var clusters = (int)((entries * 8L + ClusterSize - 1) / ClusterSize);
        var oldOffset = (long)Header.L1TableOffset;
        var oldLength = _l1.Length * 8L;
        long newOffset;
        try
        {
            newOffset = await AllocateClustersAsync(clusters, ct);
            // New table on disk first, then the header points at it, then the old clusters are freed.
            await WriteCheckedAsync(ToBytes(grown), newOffset, Qcow2Metadata.None, ct);
        }
        catch (Qcow2CorruptionException e)
        {
            e.Operation ??= "Failed to grow the L1 table";
            throw;
        }
        _l1 = grown;
        Header.L1TableOffset = (ulong)newOffset;
        Header.L1Size = (uint)entries;
        _headerDirty = true;
        InvalidateMetadataMap();
        await FlushAsync(ct);
        if (oldLength > 0) await AddRefAsync(oldOffset, oldLength, -1, ct);
    }

    private async Task DiscardTailAsync(long newSize, CancellationToken ct)
    {
        var perL2 = Header.L2Entries;
        var firstCluster = (newSize + ClusterSize - 1) / ClusterSize;
        var step = Header.ExtendedL2 ? 2 : 1;
        for (var l1i = firstCluster / perL2; l1i < _l1.Length; l1i++)
        {
            if (Qcow2Entries.L1Offset(_l1[l1i]) == 0) continue;
            var table = await L2ForWriteAsync(l1i, ct);
            var l2Offset = Qcow2Entries.L1Offset(_l1[l1i]);
            var from = l1i == firstCluster / perL2 ? firstCluster % perL2 : 0;
            for (var i = from; i < perL2; i++)
                await FreeEntryAsync(table, (int)i * step, ct);
            _dirtyL2.Add(l2Offset);
            if (from == 0)
            {
                _dirtyL2.Remove(l2Offset);
                await AddRefAsync(l2Offset, ClusterSize, -1, ct);
                _l1[l1i] = 0;
                _l1Dirty = true;
                InvalidateMetadataMap();
            }
        }
    }

    /// <summary>Drops one L2 entry and the reference it held.</summary>
    private async ValueTask FreeEntryAsync(ulong[] table, int idx, CancellationToken ct)
    {
        var entry = table[idx];
        if ((entry & Qcow2Entries.Compressed) != 0)
        {
            var (coff, clen) = Qcow2Entries.CompressedRange(entry, Header.ClusterBits);
            await AddRefAsync(coff, clen, -1, ct);
        }
        else if (Qcow2Entries.StandardOffset(entry) is var host and not 0)
            await AddRefAsync(host, ClusterSize, -1, ct);
        table[idx] = 0;
        if (Header.ExtendedL2) table[idx + 1] = 0;
    }
}
