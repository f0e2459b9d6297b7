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

/// <summary>One guest NIC, as domiflist shows it.</summary>
public sealed record InterfaceSummary
{
    public required string Interface { get; init; }
    public required string Type { get; init; }
    public string? Source { get; init; }
    public string? Model { get; init; }
    public string? Mac { get; init; }
    public string LinkState { get; set; } = "up";
}

/// <summary>One address of a guest NIC (domifaddr).</summary>
public sealed record InterfaceAddress
{
    public required string Name { get; init; }
    public required string Mac { get; init; }
    public required string Protocol { get; init; }
    public required string Address { get; init; }
}

public sealed record InterfaceStats
{
    public required string Interface { get; init; }
    public long RxBytes { get; init; }
    public long RxPackets { get; init; }
    public long RxErrs { get; init; }
    public long RxDrop { get; init; }
    public long TxBytes { get; init; }
    public long TxPackets { get; init; }
    public long TxErrs { get; init; }
    public long TxDrop { get; init; }
}

public sealed record LinkStateRequest
{
    public required string State { get; init; }
}

/// <summary>net-update: COMMAND SECTION XML, with --parent-index and live/config.</summary>
public sealed record NetworkUpdateRequest
{
    public required string Command { get; init; }
    public required string Section { get; init; }
    public required string Xml { get; init; }
    public int ParentIndex { get; set; } = -1;
    public bool Live { get; init; }
    public bool Config { get; init; }
}
