namespace Vireo.Images.Convert;

/// <summary>Allocation resolved through the backing chain: what a reader of the top image gets.</summary>
public static class ChainMap
{
    /// <summary>
    /// Extents of [offset, offset+length) with the depth of the layer that decides them: Data, Zero
    /// (an explicit zero cluster or a hole), or Unallocated (in no layer at all; reads as zeros).
    /// </summary>
    public static async Task<List<(Extent Extent, int Depth)>> ResolveAsync(DiskImage image, long offset, long length, CancellationToken ct = default)
    {
        var result = new List<(Extent, int)>();
        await ResolveInto(image, offset, Math.Min(length, image.VirtualSize - offset), 0, result, ct);
        return result;
    }

    private static async Task ResolveInto(DiskImage image, long offset, long length, int depth, List<(Extent, int)> result, CancellationToken ct)
    {
        if (length <= 0) return;
        foreach (var e in await image.MapAsync(offset, length, ct))
        {
            if (e.Kind != ExtentKind.Unallocated)
                Add(result, e, depth);
            else if (image.Backing is { } b && e.Offset < b.VirtualSize)
            {
                var inBacking = Math.Min(e.Length, b.VirtualSize - e.Offset);
                await ResolveInto(b, e.Offset, inBacking, depth + 1, result, ct);
                if (inBacking < e.Length) Add(result, new Extent(e.Offset + inBacking, e.Length - inBacking, ExtentKind.Unallocated), depth);
            }
            else Add(result, e with { HostOffset = null }, depth);
        }
    }

    private static void Add(List<(Extent Extent, int Depth)> list, Extent e, int depth)
    {
        if (list.Count > 0 && list[^1].Extent.Kind == e.Kind && e.Kind != ExtentKind.Data && list[^1].Depth == depth
            && (e.HostOffset is null ? list[^1].Extent.HostOffset is null : list[^1].Extent.HostOffset + list[^1].Extent.Length == e.HostOffset))
            list[^1] = (list[^1].Extent with { Length = list[^1].Extent.Length + e.Length }, list[^1].Depth);
        else list.Add((e, depth));
    }
}
