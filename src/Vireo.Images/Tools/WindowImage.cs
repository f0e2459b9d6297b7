using Vireo.Images.Convert;

namespace Vireo.Images.Tools;

/// <summary>A read-only view of [start, start+size) of another image's guest contents (qemu-img dd's skip/count).</summary>
public sealed class WindowImage(DiskImage inner, long start, long size) : DiskImage
{
    public override string Format => inner.Format;
    public override string Path => inner.Path;
    public override long VirtualSize => size;

    public override async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = (int)Math.Clamp(size - offset, 0, buffer.Length);
        if (n > 0) await inner.ReadAsync(start + offset, buffer[..n], ct);
        buffer.Span[n..].Clear();
    }

    /// <summary>The whole chain resolved, shifted into the window: Data or Zero, never Unallocated.</summary>
    public override async ValueTask<IReadOnlyList<Extent>> MapAsync(long offset, long length, CancellationToken ct = default)
    {
        var within = Math.Min(length, size - offset);
        var avail = Math.Max(0, Math.Min(within, inner.VirtualSize - start - offset));
        var map = avail > 0 ? await ChainMap.ResolveAsync(inner, start + offset, avail, ct) : [];
        var result = map.Select(m => m.Extent with { Offset = m.Extent.Offset - start, HostOffset = null }).ToList();
        if (avail < within) result.Add(new Extent(offset + avail, within - avail, ExtentKind.Zero));
        return result;
    }

    public override void Dispose() { }
}
