namespace Vireo.Contracts;

/// <summary>One row of 'vireo list'.</summary>
public sealed record DomainSummary
{
    public int? Id { get; init; }
    public required string Name { get; init; }
    public required string Uuid { get; init; }
    public required string State { get; init; }
    public required string Reason { get; init; }
    public bool Persistent { get; init; }
    public bool Autostart { get; init; }
    public string? Title { get; init; }
}

/// <summary>'vireo dominfo'.</summary>
public sealed record DomainInfo
{
    public int? Id { get; init; }
    public required string Name { get; init; }
    public required string Uuid { get; init; }
    public required string OsType { get; init; }
    public required string State { get; init; }
    public required string Reason { get; init; }
    public int Vcpus { get; init; }
    public double? CpuTimeSeconds { get; init; }
    public long MaxMemoryKiB { get; init; }
    public long UsedMemoryKiB { get; init; }
    public bool Persistent { get; init; }
    public bool Autostart { get; init; }
    public int? Pid { get; init; }
    public string? Title { get; init; }
}

public sealed record VcpuInfo
{
    public int Vcpu { get; init; }
    public int? Cpu { get; init; }
    public required string State { get; init; }
    public double CpuTimeSeconds { get; init; }
    public int ThreadId { get; init; }
    public string? Affinity { get; init; }
}

public sealed record MonitorCommandRequest
{
    public required string Command { get; init; }
    public bool Hmp { get; init; }
}

public sealed record MonitorCommandResponse
{
    public required string Output { get; init; }
}

/// <summary>qemu-agent-command: the request as JSON text; a timeout in seconds, or libvirt's -1 (default), -2 (block) or 0 (do not wait for the reply).</summary>
public sealed record AgentCommandRequest
{
    public required string Command { get; init; }
    public int Timeout { get; set; } = -1;
}

public sealed record AgentCommandResponse
{
    /// <summary>The agent's whole reply, or null when it sends none (or was not waited for).</summary>
    public string? Reply { get; init; }
}

public sealed record AutostartRequest
{
    public bool Enabled { get; init; }
}

public sealed record DomainEvent
{
    public required string Domain { get; init; }
    public required string Uuid { get; init; }
    public required string Type { get; init; }
    public required string Event { get; init; }
    public required string Detail { get; init; }
    public DateTimeOffset Time { get; init; }
}

public sealed record HostInfo
{
    public required string Hostname { get; init; }
    public required string DaemonVersion { get; init; }
    public required string HypervisorVersion { get; init; }
    public required string Uri { get; init; }
    public bool KvmUsable { get; init; }
    public required string KvmReason { get; init; }
}

/// <summary>The one error shape of the API.</summary>
public sealed record ErrorResponse
{
    public required string Code { get; init; }
    public required string Message { get; init; }
    public IReadOnlyList<string> Details { get; set; } = [];
}
