namespace Vireo.Images.Qcow2;

/// <summary>
/// qcow2_check_refcounts: count every reference (calculate_refcounts), compare with the stored refcounts
/// (compare_refcounts), repair them in place or rebuild the whole structure, then check COPIED flags.
/// </summary>
public sealed partial class Qcow2Checker
{
    private async Task CheckRefcountsAsync(Qcow2CheckResult res, CancellationToken ct)
    {
        var nbClusters = ClustersFor(_fileLength);
        if (nbClusters > int.MaxValue) throw Abort(res, "File too large");
        res.TotalClusters = ClustersFor((long)(_h.Size / 512 * 512));
        ResetImrt(nbClusters);
        var rebuild = await CalculateRefcountsAsync(res, ct);
        var preCompare = res.CountersOnly();
        var (needRebuild, highest) = await CompareRefcountsAsync(res, RepairMode.None, ct);
        rebuild |= needRebuild;
        if (rebuild && FixErrors)
        {
            var old = res.CountersOnly();
            Say("Rebuilding refcount structure");
            await RebuildRefcountStructureAsync(res, ct);
            res.Corruptions = res.Leaks = 0;
            ResetImrt(ClustersFor(_fileLength));
            await CalculateRefcountsAsync(res, ct, repair: false);
            long freshLeaks = 0;
            if (FixLeaks)
            {
                // The old structure is now leaked: free it. Leaks left over were made by the rebuild itself.
                var saved = res.CountersOnly();
                var scratch = new Qcow2CheckResult();
                var (stillBroken, newHighest) = await CompareRefcountsAsync(scratch, RepairMode.Leaks, ct);
                highest = newHighest;
                if (stillBroken) Say("ERROR rebuilt refcount structure is still broken");
                freshLeaks = scratch.Leaks;
                res.CopyCountersFrom(saved);
            }
            if (res.Corruptions < old.Corruptions) res.CorruptionsFixed += old.Corruptions - res.Corruptions;
            if (res.Leaks < old.Leaks) res.LeaksFixed += old.Leaks - res.Leaks;
            res.Leaks += freshLeaks;
        }
        else if (_fix != RepairMode.None)
        {
            if (rebuild)
            {
                Say("ERROR need to rebuild refcount structures");
                throw Abort(res, "Input/output error");
            }
            if (res.Leaks != 0 || res.Corruptions != 0)
            {
                res.CopyCountersFrom(preCompare);
                (_, highest) = await CompareRefcountsAsync(res, _fix, ct);
            }
        }
        await CheckCopiedFlagsAsync(res, ct);
        res.ImageEndOffset = (highest + 1) * _cs;
    }

    /// <summary>calculate_refcounts: the references of everything the image holds; true when the refcount structure needs a rebuild.</summary>
    private async Task<bool> CalculateRefcountsAsync(Qcow2CheckResult res, CancellationToken ct, bool repair = true)
    {
        _calcFix = repair ? _fix : RepairMode.None;
        IncRefcounts(res, 0, _cs);
        await CheckL1Async(res, _h.L1TableOffset, _h.L1Size, active: true, ct);
        foreach (var sn in _snapshots)
        {
            if ((sn.L1TableOffset & (ulong)(_cs - 1)) != 0)
            {
                Say($"ERROR snapshot {sn.Id} ({sn.Name}) l1_offset={Hex(sn.L1TableOffset)}: L1 table is not cluster aligned; snapshot table entry corrupted");
                res.Corruptions++;
                continue;
            }
            if (sn.L1Size > Qcow2Header.MaxL1Bytes / 8)
            {
                Say($"ERROR snapshot {sn.Id} ({sn.Name}) l1_size={Hex(sn.L1Size)}: L1 table is too large; snapshot table entry corrupted");
                res.Corruptions++;
                continue;
            }
            await CheckL1Async(res, sn.L1TableOffset, sn.L1Size, active: false, ct);
        }
        IncRefcounts(res, (ulong)_snapshotsOffset, _snapshotsSize);
        IncRefcounts(res, (ulong)_refTableOffset, _refTable.Length * 8L);
        await CountBitmapsAsync(res, ct);
        return CheckRefblocks(res);
    }

    /// <summary>What the counting pass may repair: the first pass repairs as asked, the recount after a rebuild nothing.</summary>
    private RepairMode _calcFix;

    /// <summary>check_refblocks: every refcount block must be aligned, inside the image and referenced once.</summary>
    private bool CheckRefblocks(Qcow2CheckResult res)
    {
        var rebuild = false;
        var fixErrors = (_calcFix & RepairMode.Errors) != 0;
        for (var i = 0; i < _refTable.Length; i++)
        {
            var offset = _refTable[i] & RefTableOffsetMask;
            var cluster = offset >> _clusterBits;
            if ((_refTable[i] & RefTableReservedMask) != 0)
            {
                Say($"ERROR refcount table entry {i} has reserved bits set");
                res.Corruptions++;
                rebuild = true;
                continue;
            }
            if ((offset & (ulong)(_cs - 1)) != 0)
            {
                Say($"ERROR refcount block {i} is not cluster aligned; refcount table entry corrupted");
                res.Corruptions++;
                rebuild = true;
                continue;
            }
            if (cluster >= (ulong)_nbClusters)
            {
                res.Corruptions++;
                Say($"{(fixErrors ? "Repairing" : "ERROR")} refcount block {i} is outside image");
                if (!fixErrors) continue;
                if (!TryGrowFile(offset))
                {
                    rebuild = true;
                    Say("ERROR could not resize image: File too large");
                    continue;
                }
                res.Corruptions--;
                res.CorruptionsFixed++;
                IncRefcounts(res, offset, _cs);
                continue;
            }
            if (offset == 0) continue;
            IncRefcounts(res, offset, _cs);
            if (_imrt[cluster] != 1)
            {
                Say($"ERROR refcount block {i} refcount={_imrt[cluster]}");
                res.Corruptions++;
                rebuild = true;
            }
        }
        return rebuild;
    }

    /// <summary>
    /// qemu grows the file so a refcount block past its end exists (as zeros). Vireo does that only up to
    /// 1 GiB past the end: a block pointer further out is garbage, and the rebuild that follows is the repair.
    /// </summary>
    private bool TryGrowFile(ulong blockOffset)
    {
        if (blockOffset > (ulong)_fileLength + (1UL << 30)) return false;
        var length = (long)blockOffset + _cs;
        RandomAccess.SetLength(_file, length);
        _fileLength = length;
        GrowImrt(ClustersFor(length));
        return true;
    }

    /// <summary>
    /// compare_refcounts: stored against counted, cluster by cluster, repaired where <paramref name="fix"/>
    /// allows. A referenced cluster whose stored refcount is 0 needs a rebuild (its block may be missing).
    /// </summary>
    private async Task<(bool Rebuild, long Highest)> CompareRefcountsAsync(Qcow2CheckResult res, RepairMode fix, CancellationToken ct)
    {
        var rebuild = false;
        long highest = 0;
        for (long i = 0; i < _nbClusters; i++)
        {
            if ((i & 0xfff) == 0) ct.ThrowIfCancellationRequested();
            var stored = await StoredRefcountAsync(i, ct);
            if (stored is not { } refcount1)
            {
                Say($"Can't get refcount for cluster {i}: Input/output error");
                res.CheckErrors++;
                continue;
            }
            var refcount2 = _imrt[i];
            if (refcount1 > 0 || refcount2 > 0) highest = i;
            if (refcount1 == refcount2) continue;
            var fixing = RepairMode.None;
            if (refcount1 == 0) rebuild = true;
            else if (refcount1 > refcount2 && (fix & RepairMode.Leaks) != 0) fixing = RepairMode.Leaks;
            else if (refcount1 < refcount2 && (fix & RepairMode.Errors) != 0) fixing = RepairMode.Errors;
            Say($"{(fixing != RepairMode.None ? "Repairing" : refcount1 < refcount2 ? "ERROR" : "Leaked")} cluster {i} refcount={refcount1} reference={refcount2}");
            if (fixing != RepairMode.None && await UpdateRefcountAsync(i, refcount2, ct))
            {
                if (fixing == RepairMode.Leaks) res.LeaksFixed++;
                else res.CorruptionsFixed++;
                continue;
            }
            if (refcount1 < refcount2) res.Corruptions++;
            else res.Leaks++;
        }
        return (rebuild, highest);
    }
}
