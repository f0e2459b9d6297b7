namespace Vireo.Images;

/// <summary>How a guest-visible range is backed.</summary>
public enum ExtentKind
{
    /// <summary>Data stored in this image (HostOffset says where, for uncompressed data).</summary>
    Data,
    /// <summary>Reads as zeros and is recorded so in this image (zero cluster, hole in raw).</summary>
    Zero,
    /// <summary>Not allocated here: reads come from the backing file, or zeros without one.</summary>
    Unallocated,
}

public readonly record struct Extent(long Offset, long Length, ExtentKind Kind, long? HostOffset = null, bool Compressed = false);

/// <summary>A disk image as the guest sees it: a virtual size, reads, and where the data lies.</summary>
public abstract class DiskImage : IDisposable
{
    public abstract string Format { get; }
    public abstract string Path { get; }
    public abstract long VirtualSize { get; }

    /// <summary>The image reads fall through to, or null.</summary>
    public DiskImage? Backing { get; protected set; }

    /// <summary>Fills <paramref name="buffer"/> with the guest bytes at <paramref name="offset"/>; past the end reads zeros.</summary>
    public abstract ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default);

    /// <summary>The allocation of [offset, offset+length) in this image only (not its backing chain), in order, without gaps.</summary>
    public abstract ValueTask<IReadOnlyList<Extent>> MapAsync(long offset, long length, CancellationToken ct = default);

    public virtual void Dispose()
    {
        Backing?.Dispose();
        GC.SuppressFinalize(this);
    }
}
