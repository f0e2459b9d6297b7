namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Image
{
    /// <summary>Changes the virtual size. Growing may move the L1 table; shrinking frees the clusters past the new end.</summary>
    public async Task ResizeAsync(long newSize, bool allowShrink, CancellationToken ct = default)
    {
        EnsureWritable();
        if (newSize % 512 != 0) throw new ArgumentException("The new size must be a multiple of 512 bytes");
        if (newSize < VirtualSize && !allowShrink) throw new InvalidOperationException("Use the --shrink option to perform a shrink operation.");
        if (newSize < VirtualSize && Snapshots.Count > 0) throw new InvalidOperationException("Can't resize an image which has snapshots");
        var perL1 = Header.L2Entries * ClusterSize;
        var needed = (newSize + perL1 - 1) / perL1;
        if (needed > _l1.Length) await GrowL1Async((int)needed, ct);
        if (newSize < VirtualSize) await DiscardTailAsync(newSize, ct);
        Header.Size = (ulong)newSize;
        _headerDirty = true;
        await FlushAsync(ct);
    }

    private async Task GrowL1Async(int entries, CancellationToken ct)
    {
        if (entries * 8L > Qcow2Header.MaxL1Bytes) throw new InvalidOperationException("the new size needs an L1 table larger than 32 MiB");
        var grown = new ulong[entries];
        _l1.CopyTo(grown, 0);
        var clusters = (int)((entries * 8L + ClusterSize - 1) / ClusterSize);
        var newOffset = await AllocateClustersAsync(clusters, ct);
        var oldOffset = (long)Header.L1TableOffset;
        var oldLength = _l1.Length * 8L;
        // New table on disk first, then the header points at it, then the old clusters are freed.
        await RandomAccess.WriteAsync(_file, ToBytes(grown), newOffset, ct);
        _l1 = grown;
        Header.L1TableOffset = (ulong)newOffset;
        Header.L1Size = (uint)entries;
        _headerDirty = true;
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
