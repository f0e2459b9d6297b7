namespace Vireo.Images.Qcow2;

/// <summary>qemu-img's qcow2 creation options (-o).</summary>
public sealed record Qcow2CreateOptions
{
    public long Size { get; init; }
    public string Compat { get; init; } = "1.1";
    public long ClusterSize { get; init; } = 65536;
    public int RefcountBits { get; init; } = 16;
    public bool LazyRefcounts { get; init; }
    public bool ExtendedL2 { get; init; }
    public string CompressionType { get; init; } = "zlib";
    public string? BackingFile { get; init; }
    public string? BackingFormat { get; init; }
    public string Preallocation { get; init; } = "off";

    public int Version => Compat is "0.10" or "v2" ? 2 : 3;

    /// <summary>Every problem with the options, as qemu-img words them.</summary>
    public IEnumerable<string> Problems()
    {
        if (Compat is not ("0.10" or "1.1" or "v2" or "v3")) yield return $"Invalid parameter '{Compat}' for compat (expected 0.10 or 1.1)";
        if (ClusterSize < 512 || ClusterSize > 2 * 1024 * 1024 || (ClusterSize & (ClusterSize - 1)) != 0)
            yield return "Cluster size must be a power of two between 512 and 2048k";
        if (RefcountBits is not (1 or 2 or 4 or 8 or 16 or 32 or 64)) yield return "Refcount width must be a power of two and may not exceed 64 bits";
        if (Version == 2 && RefcountBits != 16) yield return "Different refcount widths than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)";
        if (Version == 2 && LazyRefcounts) yield return "Lazy refcounts only supported with compatibility level 1.1 and above (use compat=1.1 or greater)";
        if (Version == 2 && ExtendedL2) yield return "Extended L2 entries are only supported with compatibility level 1.1 and above (use compat=1.1 or greater)";
        if (ExtendedL2 && ClusterSize < 16384) yield return "Extended L2 entries are only supported with cluster sizes of at least 16384 bytes";
        if (CompressionType is not ("zlib" or "zstd")) yield return $"Invalid parameter '{CompressionType}' for compression_type";
        if (Version == 2 && CompressionType != "zlib") yield return "Compression type selection is only supported with compatibility level 1.1 and above (use compat=1.1 or greater)";
        if (Preallocation is not ("off" or "metadata" or "falloc" or "full")) yield return $"Invalid parameter '{Preallocation}' for preallocation";
        if (BackingFile is not null && Preallocation != "off") yield return "Backing file and preallocation can only be used at the same time if extended_l2 is on";
        if (Size < 0) yield return "Image size must be a multiple of 512 bytes";
        if (Size % 512 != 0) yield return "Image size must be a multiple of 512 bytes";
    }
}
