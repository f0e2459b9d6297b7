using Vireo.Core.Network;

namespace Vireo.Network;

/// <summary>What a network backend does, so callers test a flag instead of a forward mode or a type name.</summary>
[Flags]
public enum NetworkCapabilities
{
    None = 0,
    /// <summary>
    /// vireod makes the bridge, its addresses and its nftables rules (nat, route, open and isolated networks):
    /// the bridge's name and the subnets must not clash with the host's.
    /// </summary>
    OwnBridge = 1,
    /// <summary>dnsmasq serves DHCP and DNS: leases, live updates of hosts, ranges and records, restarted when it dies.</summary>
    DhcpDns = 2,
    /// <summary>Guest NICs are taps vireod puts on a bridge.</summary>
    GuestTaps = 4,
    /// <summary>The bridge is Open vSwitch's: a guest's tap becomes an OVS port carrying the guest's ids.</summary>
    OpenVswitch = 8,
    /// <summary>Guest NICs are macvtap links on one of the network's host interfaces.</summary>
    GuestMacvtap = 16,
    /// <summary>Guests get one of the network's SR-IOV virtual functions, by VFIO.</summary>
    GuestVfs = 32,
}

/// <summary>One DHCP lease as dnsmasq records it.</summary>
public sealed record DhcpLease(DateTimeOffset Expiry, string Mac, string Ip, string? Hostname, string? ClientId);

/// <summary>
/// One kind of network. Backends are stateless: the caller passes the definition each time and keeps
/// the running ones. Operations a backend does not have (see <see cref="Capabilities"/>) raise NotSupported.
/// </summary>
public interface INetworkBackend
{
    /// <summary>The registry's key (<see cref="NetworkBackends.TypeOf"/>).</summary>
    string Type { get; }

    NetworkCapabilities Capabilities { get; }

    /// <summary>
    /// Brings <paramref name="network"/> up, or checks that what it uses is there; a step that fails undoes
    /// every step before it. <paramref name="otherActive"/> are the other running networks.
    /// </summary>
    Task StartAsync(NetworkDefinition network, IReadOnlyList<NetworkDefinition> otherActive, CancellationToken ct);

    /// <summary>Takes down what vireod made for the network (a host's own bridge stays).</summary>
    Task StopAsync(NetworkDefinition live, IReadOnlyList<NetworkDefinition> stillActive, CancellationToken ct);

    /// <summary>
    /// After a vireod restart: whether the network that was running is still there. What of it died while
    /// vireod was away (dnsmasq) is started again.
    /// </summary>
    Task<bool> AdoptAsync(NetworkDefinition live, CancellationToken ct);

    /// <summary>What a guest NIC on the running network joins.</summary>
    NetworkPlug PlugOf(NetworkDefinition live);

    /// <summary><see cref="NetworkCapabilities.DhcpDns"/>: starts dnsmasq again if it died; true when it had to.</summary>
    Task<bool> ReviveAsync(NetworkDefinition live, CancellationToken ct);

    /// <summary>
    /// <see cref="NetworkCapabilities.DhcpDns"/>: net-update changed <paramref name="section"/> of the running
    /// network: dnsmasq rereads its hosts, or restarts for ranges and records.
    /// </summary>
    Task ApplyUpdateAsync(NetworkDefinition live, string section, CancellationToken ct);

    /// <summary><see cref="NetworkCapabilities.DhcpDns"/>: the leases dnsmasq handed out.</summary>
    IReadOnlyList<DhcpLease> Leases(NetworkDefinition live);
}
