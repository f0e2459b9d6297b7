using Vireo.Images.Convert;

namespace Vireo.Images.Tools;

/// <summary>Several images end to end, as 'qemu-img convert a b c out' joins them.</summary>
public sealed class ConcatImage(IReadOnlyList<DiskImage> parts) : DiskImage
{
    public override string Format => "concat";
    public override string Path => parts[0].Path;
    public override long VirtualSize { get; } = parts.Sum(p => p.VirtualSize);

    private IEnumerable<(DiskImage Part, long Start)> Layout()
    {
        long start = 0;
        foreach (var p in parts)
        {
            yield return (p, start);
            start += p.VirtualSize;
        }
    }

    public override async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        buffer.Span.Clear();
        foreach (var (part, start) in Layout())
        {
            var from = Math.Max(offset, start);
            var to = Math.Min(offset + buffer.Length, start + part.VirtualSize);
            if (from < to) await part.ReadAsync(from - start, buffer.Slice((int)(from - offset), (int)(to - from)), ct);
        }
    }

    /// <summary>Each part's chain resolved and shifted to its place: Data or Zero.</summary>
    public override async ValueTask<IReadOnlyList<Extent>> MapAsync(long offset, long length, CancellationToken ct = default)
    {
        var result = new List<Extent>();
        foreach (var (part, start) in Layout())
        {
            var from = Math.Max(offset, start);
            var to = Math.Min(offset + length, start + part.VirtualSize);
            if (from >= to) continue;
            foreach (var (e, _) in await ChainMap.ResolveAsync(part, from - start, to - from, ct))
                result.Add(e with { Offset = e.Offset + start, HostOffset = null, Kind = e.Kind == ExtentKind.Data ? ExtentKind.Data : ExtentKind.Zero });
        }
        return result;
    }

    public override void Dispose()
    {
        foreach (var p in parts) p.Dispose();
    }
}
