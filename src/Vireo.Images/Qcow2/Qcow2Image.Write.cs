namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Image
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Writes guest data: in place where this image owns the cluster, else into a newly allocated cluster (copy on write).</summary>
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            if (offset < 0 || offset + data.Length > VirtualSize)
                throw new ArgumentOutOfRangeException(nameof(offset), $"write of {data.Length} bytes at {offset} is beyond the virtual size {VirtualSize}");
            await _writeLock.WaitAsync(ct);
            try
            {
                await MarkDirtyAsync(offset, data.Length, ct);
                var pos = 0;
                while (pos < data.Length)
                {
                    var guest = offset + pos;
                    var inCluster = guest % ClusterSize;
                    var n = (int)Math.Min(ClusterSize - inCluster, data.Length - pos);
                    await WriteInClusterAsync(guest / ClusterSize, (int)inCluster, data.Slice(pos, n), ct);
                    pos += n;
                }
            }
            catch (Qcow2CorruptionException e)
            {
                e.Operation ??= $"error while writing at byte {offset}";
                throw;
            }
            finally { _writeLock.Release(); }
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    private async ValueTask WriteInClusterAsync(long cluster, int inCluster, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var perL2 = Header.L2Entries;
        var table = await L2ForWriteAsync(cluster / perL2, ct);
        var l2Offset = Qcow2Entries.L1Offset(_l1[cluster / perL2]);
        var step = Header.ExtendedL2 ? 2 : 1;
        var idx = (int)(cluster % perL2) * step;
        var entry = table[idx];
        var compressed = (entry & Qcow2Entries.Compressed) != 0;
        if (!compressed && EntryProblem(cluster / perL2, cluster % perL2, entry, Header.ExtendedL2 ? table[idx + 1] : 0) is { } problem)
            throw await SignalCorruptionAsync(problem, ct);
        var host = Qcow2Entries.StandardOffset(entry);
        var owned = !compressed && host != 0 && (entry & Qcow2Entries.Copied) != 0;
        var reads = Header.ExtendedL2 ? table[idx + 1] == 0xffffffffUL : (entry & Qcow2Entries.ZeroFlag) == 0;
        if (owned && reads)
        {
            await WriteCheckedAsync(data, host + inCluster, Qcow2Metadata.None, ct);
            return;
        }
        if (Header.ExtendedL2 && !compressed && (host == 0 || owned))
        {
            await WriteSubclustersAsync(cluster, inCluster, data, table, idx, host, l2Offset, ct);
            return;
        }
        // Build the whole cluster as the guest sees it now, then put the new bytes over it.
        var buf = new byte[ClusterSize];
        if (data.Length < ClusterSize) await ReadBeforeWriteAsync(cluster * ClusterSize, buf, ct);
        data.CopyTo(buf.AsMemory(inCluster));
        var target = owned ? host : await AllocateClustersAsync(1, ct);
        await WriteCheckedAsync(buf, target, Qcow2Metadata.None, ct);
        if (!owned)
        {
            if (compressed)
            {
                var (coff, clen) = Qcow2Entries.CompressedRange(entry, Header.ClusterBits);
                await AddRefAsync(coff, clen, -1, ct);
                _lastCompressed = null;
            }
            else if (host != 0) await AddRefAsync(host, ClusterSize, -1, ct);
        }
        table[idx] = (ulong)target | Qcow2Entries.Copied;
        if (Header.ExtendedL2) table[idx + 1] = 0xffffffffUL;
        _dirtyL2.Add(l2Offset);
    }

    /// <summary>
    /// Extended L2: only the subclusters the write touches become allocated; the others keep reading
    /// from the backing file (or as zeros). A partly written subcluster is filled with what it read before.
    /// </summary>
    private async ValueTask WriteSubclustersAsync(long cluster, int inCluster, ReadOnlyMemory<byte> data, ulong[] table, int idx,
        long host, long l2Offset, CancellationToken ct)
    {
        var sub = (int)(ClusterSize / 32);
        var first = inCluster / sub;
        var last = (inCluster + data.Length - 1) / sub;
        var start = first * sub;
        var buf = new byte[(last - first + 1) * sub];
        var bitmap = table[idx + 1];
        var partial = inCluster % sub != 0 || (inCluster + data.Length) % sub != 0;
        if (partial) await ReadBeforeWriteAsync(cluster * ClusterSize + start, buf, ct);
        data.CopyTo(buf.AsMemory(inCluster - start));
        var target = host != 0 ? host : await AllocateClustersAsync(1, ct);
        await WriteCheckedAsync(buf, target + start, Qcow2Metadata.None, ct);
        for (var sc = first; sc <= last; sc++)
        {
            bitmap |= 1UL << sc;          // allocated
            bitmap &= ~(1UL << (32 + sc)); // no longer reads as zero
        }
        table[idx] = (ulong)target | Qcow2Entries.Copied;
        table[idx + 1] = bitmap;
        _dirtyL2.Add(l2Offset);
    }

    /// <summary>What a partial write keeps around the new bytes, as the guest sees it now (backing file included).</summary>
    private ValueTask ReadBeforeWriteAsync(long offset, Memory<byte> buffer, CancellationToken ct)
    {
        // Opened without its backing chain, this image would fill the rest with zeros where the guest sees the backing file.
        if (Header.BackingFile is not null && Backing is null)
            throw new InvalidOperationException($"'{Path}' was opened without its backing file '{Header.BackingFile}', so a partial write cannot keep what the guest sees around it");
        return ReadAsync(offset, buffer, ct);
    }

    /// <summary>The L2 table for writing: allocated if missing, copied first if a snapshot shares it.</summary>
    private async ValueTask<ulong[]> L2ForWriteAsync(long l1Index, CancellationToken ct)
    {
        if (l1Index >= _l1.Length) throw new InvalidOperationException($"L1 index {l1Index} is beyond the L1 table; resize first");
        var e = _l1[l1Index];
        var off = Qcow2Entries.L1Offset(e);
        if (off != 0 && (e & Qcow2Entries.Copied) != 0) return (await L2TableAsync(l1Index, ct))!;
        var fresh = new ulong[ClusterSize / 8];
        if (off != 0)
        {
            // Shared with a snapshot. Data refcounts already count every L1 that reaches a cluster
            // (as qemu keeps them), so only the table's own count changes: the copy is ours alone.
            var shared = (await L2TableAsync(l1Index, ct))!;
            var step = Header.ExtendedL2 ? 2 : 1;
            for (var i = 0; i < shared.Length; i += step)
            {
                fresh[i] = shared[i] & ~Qcow2Entries.Copied;
                if (Header.ExtendedL2) fresh[i + 1] = shared[i + 1];
            }
            await AddRefAsync(off, ClusterSize, -1, ct);
        }
        var newOff = await AllocateClustersAsync(1, ct);
        lock (_cacheLock)
        {
            _l2Cache[newOff] = fresh;
            _l2Order.Enqueue(newOff);
        }
        _dirtyL2.Add(newOff);
        _l1[l1Index] = (ulong)newOff | Qcow2Entries.Copied;
        _l1Dirty = true;
        // A copied table stops being active; a new one starts.
        if (off != 0) InvalidateMetadataMap();
        else AddMetadata(newOff, ClusterSize, Qcow2Metadata.ActiveL2);
        return fresh;
    }
}
