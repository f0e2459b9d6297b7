namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Image
{
    /// <summary>
    /// Makes [offset, offset+length) read as zeros: whole clusters drop their data and become zero
    /// clusters (v3) or unallocated (v2 without a backing file); partial clusters get zeros written.
    /// </summary>
    public async ValueTask WriteZeroesAsync(long offset, long length, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            var end = Math.Min(offset + length, VirtualSize);
            await _writeLock.WaitAsync(ct);
            try { await MarkDirtyAsync(offset, end - offset, ct); }
            finally { _writeLock.Release(); }
            var pos = offset;
            var zeros = new byte[ClusterSize];
            while (pos < end)
            {
                var inCluster = pos % ClusterSize;
                var n = Math.Min(ClusterSize - inCluster, end - pos);
                var canDrop = inCluster == 0 && n == ClusterSize && (Header.Version == 3 || Header.BackingFile is null);
                if (!canDrop)
                {
                    await WriteAsync(pos, zeros.AsMemory(0, (int)n), ct);
                    pos += n;
                    continue;
                }
                await _writeLock.WaitAsync(ct);
                try
                {
                    var cluster = pos / ClusterSize;
                    var table = await L2ForWriteAsync(cluster / Header.L2Entries, ct);
                    var idx = (int)(cluster % Header.L2Entries) * (Header.ExtendedL2 ? 2 : 1);
                    await FreeEntryAsync(table, idx, ct);
                    if (Header.ExtendedL2) table[idx + 1] = 0xffffffff00000000UL;
                    else if (Header.Version == 3) table[idx] = Qcow2Entries.ZeroFlag;
                    _dirtyL2.Add(Qcow2Entries.L1Offset(_l1[cluster / Header.L2Entries]));
                    _lastCompressed = null;
                }
                finally { _writeLock.Release(); }
                pos += n;
            }
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }
}
