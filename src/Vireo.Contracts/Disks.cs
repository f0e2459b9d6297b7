namespace Vireo.Contracts;

/// <summary>One disk as domblklist shows it.</summary>
public sealed record DiskSummary
{
    public required string Target { get; init; }
    public required string Type { get; init; }
    public required string Device { get; init; }
    /// <summary>The file, device, "pool/volume" or network name; null for an empty cdrom.</summary>
    public string? Source { get; init; }
    public string? Bus { get; init; }
    public string? Format { get; init; }
}

public sealed record BlockInfo
{
    public required string Target { get; init; }
    public long Capacity { get; init; }
    public long Allocation { get; init; }
    public long Physical { get; init; }
}

public sealed record BlockStats
{
    public required string Target { get; init; }
    public long ReadRequests { get; init; }
    public long ReadBytes { get; init; }
    public long WriteRequests { get; init; }
    public long WriteBytes { get; init; }
    public long FlushOperations { get; init; }
    public long ReadTotalTimeNs { get; init; }
    public long WriteTotalTimeNs { get; init; }
    public long FlushTotalTimeNs { get; init; }
}

public sealed record BlockResizeRequest
{
    public required long Size { get; init; }
}
