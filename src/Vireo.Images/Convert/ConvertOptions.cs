using Vireo.Images.Qcow2;

namespace Vireo.Images.Convert;

public sealed record ConvertOptions
{
    public required string OutputFormat { get; init; }
    public Qcow2CreateOptions Qcow2 { get; init; } = new();
    public string RawPreallocation { get; init; } = "off";
    public bool Compress { get; init; }
    /// <summary>-S: runs of zeros at least this long are left unallocated (0 disables).</summary>
    public long SparseSize { get; init; } = 4096;
    /// <summary>-n: write into an existing target instead of creating it.</summary>
    public bool NoCreate { get; init; }
    public bool TargetIsZero { get; init; }
    /// <summary>-m: requests in flight.</summary>
    public int Parallel { get; init; } = 8;
    /// <summary>-W: data writes may overlap and complete out of order.</summary>
    public bool OutOfOrderWrites { get; init; }
    public Action<double>? Progress { get; init; }
    /// <summary>-t: qemu-img convert writes with cache=unsafe unless told otherwise, so no fsync by default.</summary>
    public bool FlushAtEnd { get; init; }
}
