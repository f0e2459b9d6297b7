namespace Vireo.Images.Qcow2;

/// <summary>
/// The refcounts as stored (qcow2_get_refcount) through a cache of refcount blocks, and their in-place
/// repair (update_refcount), overlap-checked like qemu's refcount block cache writes.
/// </summary>
public sealed partial class Qcow2Checker
{
    private readonly Dictionary<ulong, byte[]> _blocks = new();

    /// <summary>The stored refcount of a cluster; null on qemu's errors (an unaligned or unreadable block).</summary>
    private ValueTask<ulong?> StoredRefcountAsync(long cluster, CancellationToken ct)
    {
        var index = (ulong)cluster >> _refblockBits;
        if (index >= (ulong)_refTable.Length) return ValueTask.FromResult<ulong?>(0);
        var offset = _refTable[index] & RefTableOffsetMask;
        if (offset == 0) return ValueTask.FromResult<ulong?>(0);
        if (_blocks.TryGetValue(offset, out var cached)) return ValueTask.FromResult<ulong?>(RefcountIn(cached, cluster));
        return LoadAndGetAsync(index, offset, cluster, ct);
    }

    private async ValueTask<ulong?> LoadAndGetAsync(ulong index, ulong offset, long cluster, CancellationToken ct)
    {
        if ((offset & (ulong)(_cs - 1)) != 0)
        {
            await SignalCorruptionAsync(true, $"Refblock offset {Hex(offset)} unaligned (reftable index: {Hex(index)})", ct);
            return null;
        }
        var block = new byte[_cs];
        if (!await ReadAtAsync(block, offset, ct)) return null;
        _blocks[offset] = block;
        return RefcountIn(block, cluster);
    }

    private ulong RefcountIn(byte[] block, long cluster) =>
        Qcow2Builder.GetRefcount(block, cluster & ((1L << _refblockBits) - 1), _refcountBits);

    /// <summary>
    /// Sets a cluster's stored refcount in its (existing) block and writes the block back. False when the
    /// block cannot be had or the write would land on other metadata.
    /// </summary>
    private async Task<bool> UpdateRefcountAsync(long cluster, ulong value, CancellationToken ct)
    {
        if (value > _refcountMax || await StoredRefcountAsync(cluster, ct) is null) return false;
        var offset = _refTable[(ulong)cluster >> _refblockBits] & RefTableOffsetMask;
        if (offset == 0) return false;
        var block = _blocks[offset];
        Qcow2Builder.SetRefcount(block, cluster & ((1L << _refblockBits) - 1), value, _refcountBits);
        if (!await WriteCheckedAsync(block, (long)offset, Qcow2Metadata.RefcountBlock, ct)) return false;
        // A cluster the repair frees is discarded, as qemu does (its leaked contents go back to the filesystem).
        if (value == 0) Raw.SparseFile.PunchHole(_file, cluster << _clusterBits, _cs);
        return true;
    }

    /// <summary>
    /// check_oflag_copied: COPIED must be set exactly on active L1 and L2 entries whose cluster has refcount 1.
    /// Repaired with -r all, and with -r leaks when everything else is in order by now.
    /// </summary>
    private async Task CheckCopiedFlagsAsync(Qcow2CheckResult res, CancellationToken ct)
    {
        var repair = FixErrors || (FixLeaks && res.CheckErrors == 0 && res.Corruptions == 0 && res.Leaks == 0);
        var step = _h.ExtendedL2 ? 2 : 1;
        for (var i = 0; i < _l1.Length; i++)
        {
            var l1Entry = _l1[i];
            var l2Offset = l1Entry & Qcow2Entries.OffsetMask;
            if (l2Offset == 0) continue;
            ct.ThrowIfCancellationRequested();
            if (await StoredRefcountAsync((long)(l2Offset >> _clusterBits), ct) is not { } refcount) continue;
            if ((refcount == 1) != ((l1Entry & Qcow2Entries.Copied) != 0))
            {
                res.Corruptions++;
                Say($"{(repair ? "Repairing" : "ERROR")} OFLAG_COPIED L2 cluster: l1_index={i} l1_entry={l1Entry:x} refcount={refcount}");
                if (repair)
                {
                    _l1[i] = refcount == 1 ? l1Entry | Qcow2Entries.Copied : l1Entry & ~Qcow2Entries.Copied;
                    if (!await WriteCheckedAsync(Qcow2Tables.ToBytes([_l1[i]]), (long)_h.L1TableOffset + i * 8L, Qcow2Metadata.ActiveL1, ct))
                        throw Abort(res, "Input/output error");
                    res.Corruptions--;
                    res.CorruptionsFixed++;
                }
            }
            if (l2Offset >= (ulong)_fileLength && l2Offset <= MaxRequestEnd - (ulong)_cs) continue; // reads as zeros: no entries
            var bytes = new byte[_cs];
            if (!await ReadAtAsync(bytes, l2Offset, ct))
            {
                Say("ERROR: Could not read L2 table: Input/output error");
                throw Abort(res, "Input/output error");
            }
            var table = Qcow2Tables.Parse(bytes);
            var dirty = 0;
            for (var j = 0; j < table.Length; j += step)
            {
                var entry = table[j];
                var dataOffset = entry & Qcow2Entries.OffsetMask;
                if ((entry & Qcow2Entries.Compressed) != 0 || dataOffset == 0) continue;
                if (await StoredRefcountAsync((long)(dataOffset >> _clusterBits), ct) is not { } dataRefcount) continue;
                if ((dataRefcount == 1) == ((entry & Qcow2Entries.Copied) != 0)) continue;
                res.Corruptions++;
                Say($"{(repair ? "Repairing" : "ERROR")} OFLAG_COPIED data cluster: l2_entry={entry:x} refcount={dataRefcount}");
                if (!repair) continue;
                table[j] = dataRefcount == 1 ? entry | Qcow2Entries.Copied : entry & ~Qcow2Entries.Copied;
                dirty++;
            }
            if (dirty == 0) continue;
            if (!await WriteCheckedAsync(Qcow2Tables.ToBytes(table), (long)l2Offset, Qcow2Metadata.ActiveL2, ct))
            {
                Say("ERROR: Could not write L2 table; metadata overlap check failed: Input/output error");
                throw Abort(res, "Input/output error");
            }
            res.Corruptions -= dirty;
            res.CorruptionsFixed += dirty;
        }
    }
}
