using Vireo.Images.Convert;

namespace Vireo.Images.Tools;

/// <summary>qemu-img compare: 0 identical, 1 different (with the first differing 512-byte sector), 2 error.</summary>
public static class ImageCompare
{
    public sealed record Result(int ExitCode, IReadOnlyList<string> Lines);

    private const int Chunk = 1 << 20;

    public static async Task<Result> CompareAsync(DiskImage a, DiskImage b, bool strict, CancellationToken ct = default)
    {
        var lines = new List<string>();
        if (a.VirtualSize != b.VirtualSize && strict) return new(1, ["Strict mode: Image size mismatch!"]);
        var common = Math.Min(a.VirtualSize, b.VirtualSize);
        var mapA = await ChainMap.ResolveAsync(a, 0, common, ct);
        var mapB = await ChainMap.ResolveAsync(b, 0, common, ct);
        if (strict && Kinds(a, mapA) is var ka && Kinds(b, mapB) is var kb)
            foreach (var (offset, kindA, kindB) in Zip(ka, kb))
                if (kindA != kindB) return new(1, [.. lines, $"Strict mode: Offset {offset} block status mismatch!"]);
        var bufA = new byte[Chunk];
        var bufB = new byte[Chunk];
        foreach (var (offset, length) in DataRanges(mapA).Concat(DataRanges(mapB)).OrderBy(r => r.Offset).Coalesce())
        {
            for (var pos = offset; pos < offset + length; pos += Chunk)
            {
                var n = (int)Math.Min(Chunk, offset + length - pos);
                await a.ReadAsync(pos, bufA.AsMemory(0, n), ct);
                await b.ReadAsync(pos, bufB.AsMemory(0, n), ct);
                var diff = bufA.AsSpan(0, n).CommonPrefixLength(bufB.AsSpan(0, n));
                if (diff < n) return new(1, [.. lines, $"Content mismatch at offset {(pos + diff) / 512 * 512}!"]);
            }
        }
        // The part only the larger image has must read as zeros.
        var larger = a.VirtualSize > b.VirtualSize ? a : b;
        if (larger.VirtualSize > common)
        {
            // qemu-img warns only once the common part has compared equal.
            lines.Add("Warning: Image size mismatch!");
            var rest = await ChainMap.ResolveAsync(larger, common, larger.VirtualSize - common, ct);
            foreach (var (offset, length) in DataRanges(rest))
                for (var pos = offset; pos < offset + length; pos += Chunk)
                {
                    var n = (int)Math.Min(Chunk, offset + length - pos);
                    await larger.ReadAsync(pos, bufA.AsMemory(0, n), ct);
                    var nz = bufA.AsSpan(0, n).IndexOfAnyExcept((byte)0);
                    if (nz >= 0) return new(1, [.. lines, $"Content mismatch at offset {(pos + nz) / 512 * 512}!"]);
                }
        }
        return new(0, [.. lines, "Images are identical."]);
    }

    private static IEnumerable<(long Offset, long Length)> DataRanges(List<(Extent Extent, int Depth)> map) =>
        map.Where(m => m.Extent.Kind == ExtentKind.Data).Select(m => (m.Extent.Offset, m.Extent.Length));

    private static IEnumerable<(long Offset, long Length)> Coalesce(this IEnumerable<(long Offset, long Length)> ranges)
    {
        long start = -1, end = -1;
        foreach (var (o, l) in ranges)
        {
            if (start >= 0 && o <= end) { end = Math.Max(end, o + l); continue; }
            if (start >= 0) yield return (start, end - start);
            (start, end) = (o, o + l);
        }
        if (start >= 0) yield return (start, end - start);
    }

    /// <summary>Allocation kinds of the top image (data, zero, unallocated) as boundaries, for strict mode.</summary>
    private static List<(long Offset, ExtentKind Kind)> Kinds(DiskImage image, List<(Extent Extent, int Depth)> map) =>
        map.Select(m => (m.Extent.Offset, m.Depth > 0 ? ExtentKind.Unallocated : m.Extent.Kind)).ToList();

    private static IEnumerable<(long Offset, ExtentKind A, ExtentKind B)> Zip(List<(long Offset, ExtentKind Kind)> a, List<(long Offset, ExtentKind Kind)> b)
    {
        var points = a.Select(x => x.Offset).Concat(b.Select(x => x.Offset)).Distinct().Order();
        foreach (var p in points)
            yield return (p, a.Last(x => x.Offset <= p).Kind, b.Last(x => x.Offset <= p).Kind);
    }
}
