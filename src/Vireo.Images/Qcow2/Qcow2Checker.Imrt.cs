namespace Vireo.Images.Qcow2;

/// <summary>
/// The in-memory refcount table (qemu's IMRT): one counter per host cluster, as wide as the image's
/// refcounts (a count that would pass refcount_max is an overflow error, as in qemu). It grows past the
/// end of the file only for references that end inside the last, partly written cluster.
/// </summary>
public sealed partial class Qcow2Checker
{
    private ulong[] _imrt = [];
    private long _nbClusters;

    private void ResetImrt(long clusters)
    {
        _nbClusters = clusters;
        _imrt = new ulong[clusters];
    }

    private ulong Imrt(long cluster) => cluster < _nbClusters ? _imrt[cluster] : 0;

    private void GrowImrt(long clusters)
    {
        if (clusters <= _nbClusters) return;
        if (clusters > _imrt.Length) Array.Resize(ref _imrt, (int)Math.Max(clusters, Math.Min(int.MaxValue, _imrt.Length * 2L)));
        _nbClusters = clusters;
    }

    /// <summary>qcow2_inc_refcounts_imrt: one reference to every cluster of [offset, offset+size).</summary>
    private void IncRefcounts(Qcow2CheckResult res, ulong offset, long size)
    {
        if (size <= 0) return;
        // qemu computes in int64: an offset past 2^63 is negative there, and the table it would need cannot be allocated.
        if (offset > (ulong)long.MaxValue - (ulong)size) throw Abort(res, "Cannot allocate memory");
        var start = (long)offset;
        if (start + size - _fileLength >= _cs)
        {
            Say($"ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset 0x{offset:x} size 0x{size:x}");
            res.Corruptions++;
            return;
        }
        var last = (start + size - 1) >> _clusterBits;
        for (var k = start >> _clusterBits; k <= last; k++)
        {
            GrowImrt(k + 1);
            if (_imrt[k] == _refcountMax)
            {
                Say($"ERROR: overflow cluster offset=0x{k << _clusterBits:x}");
                Say("Use qemu-img amend to increase the refcount entry width or qemu-img convert to create a clean copy if the image cannot be opened for writing");
                res.Corruptions++;
                continue;
            }
            _imrt[k]++;
        }
    }

    /// <summary>
    /// alloc_clusters_imrt: the first run of <paramref name="count"/> free clusters from
    /// <paramref name="firstFree"/> on (growing the table past the end when needed), taken with refcount 1.
    /// </summary>
    private long AllocateImrt(int count, ref long firstFree)
    {
        var cluster = firstFree;
        var firstGap = true;
        var contiguous = 0;
        for (; cluster < _nbClusters && contiguous < count; cluster++)
        {
            if (_imrt[cluster] == 0)
            {
                contiguous++;
                if (firstGap)
                {
                    firstFree = cluster;
                    firstGap = false;
                }
            }
            else contiguous = 0;
        }
        if (contiguous < count) GrowImrt(cluster + count - contiguous);
        cluster -= contiguous;
        for (var i = 0; i < count; i++) _imrt[cluster + i] = 1;
        return cluster << _clusterBits;
    }

    /// <summary>A check step fails: qemu counts an internal error and the check ends with "Check failed: <paramref name="error"/>".</summary>
    private static Qcow2CheckAbort Abort(Qcow2CheckResult res, string error)
    {
        res.CheckErrors++;
        return new Qcow2CheckAbort(error);
    }
}
