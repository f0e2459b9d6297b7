using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Network.Sriov;

namespace Vireo.Network.Direct;

/// <summary>
/// forward mode vepa, private, passthrough, or bridge without a bridge of its own: guests get macvtap links
/// on a pool of host interfaces (its &lt;interface&gt; list, its dev, or its PF's virtual functions).
/// vireod checks the interfaces are there; the links are made per NIC.
/// </summary>
public sealed class DirectNetworkBackend(HostInterfaces host, VfPool vfs) : INetworkBackend
{
    public string Type => "direct";

    public NetworkCapabilities Capabilities => NetworkCapabilities.GuestMacvtap;

    public async Task StartAsync(NetworkDefinition network, IReadOnlyList<NetworkDefinition> otherActive, CancellationToken ct)
    {
        if (network.VirtualPortType is { } vp)
            throw new VireoException(ErrorCode.NotSupported,
                $"network '{network.Name}': virtualport type '{vp}' on macvtap is not supported (it needs lldpad and a switch that speaks VDP)");
        var devs = InterfacesOf(network);
        if (devs.Count == 0)
            throw new VireoException(ErrorCode.OperationFailed,
                $"network '{network.Name}': forward mode '{network.ForwardMode}' needs host interfaces: <forward dev='...'/> or <interface dev='...'/> elements");
        var links = await host.LinksAsync(ct);
        if (devs.Where(d => !links.Contains(d)).ToList() is { Count: > 0 } missing)
            throw new VireoException(ErrorCode.OperationFailed,
                $"network '{network.Name}': host interface{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} not found");
    }

    /// <summary>The host interfaces guests' macvtap links are made on.</summary>
    public IReadOnlyList<string> InterfacesOf(NetworkDefinition n) =>
        n.ForwardInterfaces.Count > 0 ? n.ForwardInterfaces
        : n.ForwardDev is { } dev ? [dev]
        : n.ForwardPf is not null || n.Xml.Element("forward")?.Element("address") is not null ? vfs.NetDevs(n)
        : [];

    public Task StopAsync(NetworkDefinition live, IReadOnlyList<NetworkDefinition> stillActive, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Nothing of the network itself lives on the host: each guest's link is its own.</summary>
    public Task<bool> AdoptAsync(NetworkDefinition live, CancellationToken ct) => Task.FromResult(true);

    public NetworkPlug PlugOf(NetworkDefinition live) => new(live.Name, null, null, live.MacvtapMode, InterfacesOf(live), []);

    public Task<bool> ReviveAsync(NetworkDefinition live, CancellationToken ct) => throw NoDhcpDns.Error(this, live, "restart dnsmasq");

    public Task ApplyUpdateAsync(NetworkDefinition live, string section, CancellationToken ct) => throw NoDhcpDns.Error(this, live, $"update {section} live");

    public IReadOnlyList<DhcpLease> Leases(NetworkDefinition live) => throw NoDhcpDns.Error(this, live, "list DHCP leases");
}
