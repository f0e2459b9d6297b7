namespace Vireo.Contracts;

/// <summary>A storage pool as pool-list and pool-info show it; sizes in bytes (0 while inactive).</summary>
public sealed record PoolSummary
{
    public required string Name { get; init; }
    public required string Uuid { get; init; }
    public required string Type { get; init; }
    /// <summary>virsh's words: "running" (active), "inactive", "building".</summary>
    public required string State { get; init; }
    public required bool Autostart { get; init; }
    public required bool Persistent { get; init; }
    public long Capacity { get; init; }
    public long Allocation { get; init; }
    public long Available { get; init; }
    public string? TargetPath { get; init; }
}

public sealed record VolumeSummary
{
    public required string Name { get; init; }
    public required string Pool { get; init; }
    public required string Key { get; init; }
    public required string Path { get; init; }
    public required string Type { get; init; }
    public required string Format { get; init; }
    public long Capacity { get; init; }
    public long Allocation { get; init; }
    /// <summary>The size on the host: a file volume's length (a qcow2 file's, not its guest size); the capacity of others.</summary>
    public long Physical { get; init; }
    public string? BackingPath { get; init; }
}

public sealed record VolumeResizeRequest
{
    public required long Capacity { get; init; }
    public bool Delta { get; init; }
    public bool Shrink { get; init; }
}

public sealed record SecretSummary
{
    public required string Uuid { get; init; }
    public string? UsageType { get; init; }
    public string? UsageId { get; init; }
    public required string Usage { get; init; }
    public bool Private { get; init; }
    public bool Ephemeral { get; init; }
    public bool HasValue { get; init; }
}

/// <summary>A secret value, base64 as virsh takes and prints it.</summary>
public sealed record SecretValue
{
    public required string Value { get; init; }
}
