using Vireo.Core.Network;
using Vireo.Network.Sriov;

namespace Vireo.Network.Hostdev;

/// <summary>
/// forward mode='hostdev': a pool of SR-IOV virtual functions (a PF's, or an &lt;address&gt; list), each
/// handed whole to one guest by VFIO. vireod checks the pool has functions; the daemon claims and assigns them.
/// </summary>
public sealed class HostdevNetworkBackend(VfPool vfs) : INetworkBackend
{
    public string Type => "hostdev";

    public NetworkCapabilities Capabilities => NetworkCapabilities.GuestVfs;

    public Task StartAsync(NetworkDefinition network, IReadOnlyList<NetworkDefinition> otherActive, CancellationToken ct)
    {
        vfs.Discover(network);
        return Task.CompletedTask;
    }

    public Task StopAsync(NetworkDefinition live, IReadOnlyList<NetworkDefinition> stillActive, CancellationToken ct) => Task.CompletedTask;

    public Task<bool> AdoptAsync(NetworkDefinition live, CancellationToken ct) => Task.FromResult(true);

    public NetworkPlug PlugOf(NetworkDefinition live) => new(live.Name, null, null, null, [], vfs.Discover(live),
        live.Xml.Element("forward")?.Attribute("managed")?.Value == "yes");

    public Task<bool> ReviveAsync(NetworkDefinition live, CancellationToken ct) => throw NoDhcpDns.Error(this, live, "restart dnsmasq");

    public Task ApplyUpdateAsync(NetworkDefinition live, string section, CancellationToken ct) => throw NoDhcpDns.Error(this, live, $"update {section} live");

    public IReadOnlyList<DhcpLease> Leases(NetworkDefinition live) => throw NoDhcpDns.Error(this, live, "list DHCP leases");
}
