using Vireo.Images;

namespace Vireo.Storage.Files;

/// <summary>
/// A top image opened on its own, read through to a backing image that was opened (and checked) separately:
/// what <see cref="ImageOpener"/> builds from names, built here from descriptors that cannot be swapped.
/// </summary>
public sealed class LayeredImage : DiskImage
{
    private readonly DiskImage _top;

    public LayeredImage(DiskImage top, DiskImage below)
    {
        _top = top;
        Backing = below;
    }

    public override string Format => _top.Format;
    public override string Path => _top.Path;
    public override long VirtualSize => _top.VirtualSize;

    /// <summary>Reads what the top image holds, and what it leaves unallocated from the image below (zeros past its end).</summary>
    public override async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        var inside = (int)Math.Clamp(VirtualSize - offset, 0, buffer.Length);
        buffer.Span[inside..].Clear();
        var below = Backing!;
        foreach (var e in await _top.MapAsync(offset, inside, ct))
        {
            var part = buffer.Slice((int)(e.Offset - offset), (int)e.Length);
            if (e.Kind != ExtentKind.Unallocated) await _top.ReadAsync(e.Offset, part, ct);
            else if (e.Offset >= below.VirtualSize) part.Span.Clear();
            else
            {
                var inBelow = (int)Math.Min(e.Length, below.VirtualSize - e.Offset);
                await below.ReadAsync(e.Offset, part[..inBelow], ct);
                part.Span[inBelow..].Clear();
            }
        }
    }

    public override ValueTask<IReadOnlyList<Extent>> MapAsync(long offset, long length, CancellationToken ct = default) =>
        _top.MapAsync(offset, length, ct);

    public override void Dispose()
    {
        _top.Dispose();
        base.Dispose();
    }
}
