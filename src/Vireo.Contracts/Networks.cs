namespace Vireo.Contracts;

public sealed record NetworkSummary
{
    public required string Name { get; init; }
    public required string Uuid { get; init; }
    public required bool Active { get; init; }
    public required bool Autostart { get; init; }
    public required bool Persistent { get; init; }
    public string? Bridge { get; init; }
    public string? ForwardMode { get; init; }
}

/// <summary>One DHCP lease, as net-dhcp-leases prints it.</summary>
public sealed record NetworkLease
{
    public required string ExpiryTime { get; init; }
    public required string Mac { get; init; }
    public required string Protocol { get; init; }
    public required string IpAddress { get; init; }
    public string? Hostname { get; init; }
    public string? ClientId { get; init; }
}
