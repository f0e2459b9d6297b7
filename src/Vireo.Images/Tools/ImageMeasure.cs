using Vireo.Images.Convert;
using Vireo.Images.Qcow2;

namespace Vireo.Images.Tools;

/// <summary>qemu-img measure: the space a new image needs (qcow2_measure / raw_measure in qemu).</summary>
public static class ImageMeasure
{
    public sealed record Result(long Required, long FullyAllocated, long? Bitmaps);

    public static async Task<Result> MeasureAsync(string format, Qcow2CreateOptions q, DiskImage? source, long? size, CancellationToken ct = default)
    {
        var virtualSize = source?.VirtualSize ?? size ?? throw new ArgumentException("Either --size N or one filename must be specified.");
        if (format == "raw")
        {
            var raw = (virtualSize + 511) / 512 * 512;
            return new(raw, raw, null);
        }
        if (format != "qcow2") throw new NotSupportedException($"Format driver '{format}' does not support size measurement");
        var cs = q.ClusterSize;
        var aligned = (virtualSize + cs - 1) / cs * cs;
        long required = 0;
        if (source is not null)
        {
            if (q.BackingFile is not null) required = aligned;
            else
                foreach (var (e, _) in await ChainMap.ResolveAsync(source, 0, source.VirtualSize, ct))
                {
                    if (e.Kind != ExtentKind.Data) continue;
                    var end = (e.Offset + e.Length + cs - 1) / cs * cs;
                    required += e.Offset % cs + (end - e.Offset);
                }
        }
        if (q.Preallocation is "full" or "falloc") required = aligned;
        var full = PreallocSize(aligned, cs, q.RefcountBits, q.ExtendedL2);
        var bitmaps = q.Version >= 3 && source is Qcow2Image ? 0L : (long?)null;
        return new(full - aligned + required, full, bitmaps);
    }

    /// <summary>qcow2_calc_prealloc_size: header, L2 and L1 tables, refcount metadata, and the data.</summary>
    public static long PreallocSize(long aligned, long cs, int refcountBits, bool extendedL2)
    {
        var l2e = extendedL2 ? 16 : 8;
        long meta = cs;
        var nl2e = RoundUp(aligned / cs, cs / l2e);
        meta += nl2e * l2e;
        var nl1e = RoundUp(nl2e * l2e / cs, cs / 8);
        meta += nl1e * 8;
        meta += RefcountMetadataSize((meta + aligned) / cs, cs, refcountBits);
        return meta + aligned;
    }

    private static long RefcountMetadataSize(long clusters, long cs, int refcountBits)
    {
        var perTable = cs / 8;
        var perBlock = cs * 8 / refcountBits;
        long table = 0, blocks = 0, n = 0, last;
        do
        {
            last = n;
            blocks = (clusters + table + blocks + perBlock - 1) / perBlock;
            table = (blocks + perTable - 1) / perTable;
            n = clusters + blocks + table;
        } while (n != last);
        return (blocks + table) * cs;
    }

    private static long RoundUp(long v, long m) => (v + m - 1) / m * m;
}
