using Vireo.Core.Errors;
using Vireo.Core.Network;

namespace Vireo.Network.HostBridge;

/// <summary>
/// forward mode='bridge' with &lt;bridge name='...'/&gt;: a Linux bridge the host runs. vireod only checks
/// that it is there; guests' taps join it, and it stays when the network stops.
/// </summary>
public sealed class HostBridgeNetworkBackend(HostInterfaces host) : INetworkBackend
{
    public string Type => "bridge";

    public NetworkCapabilities Capabilities => NetworkCapabilities.GuestTaps;

    public async Task StartAsync(NetworkDefinition network, IReadOnlyList<NetworkDefinition> otherActive, CancellationToken ct)
    {
        if (!await ExistsAsync(network, ct))
            throw new VireoException(ErrorCode.OperationFailed, $"network '{network.Name}': host bridge '{network.BridgeName}' does not exist");
    }

    public Task StopAsync(NetworkDefinition live, IReadOnlyList<NetworkDefinition> stillActive, CancellationToken ct) => Task.CompletedTask;

    /// <summary>A host bridge that went away while vireod was down takes the network with it.</summary>
    public Task<bool> AdoptAsync(NetworkDefinition live, CancellationToken ct) => ExistsAsync(live, ct);

    private async Task<bool> ExistsAsync(NetworkDefinition n, CancellationToken ct) => (await host.LinksAsync(ct)).Contains(n.BridgeName!);

    public NetworkPlug PlugOf(NetworkDefinition live) => new(live.Name, live.BridgeName, null, null, [], []);

    public Task<bool> ReviveAsync(NetworkDefinition live, CancellationToken ct) => throw NoDhcpDns.Error(this, live, "restart dnsmasq");

    public Task ApplyUpdateAsync(NetworkDefinition live, string section, CancellationToken ct) => throw NoDhcpDns.Error(this, live, $"update {section} live");

    public IReadOnlyList<DhcpLease> Leases(NetworkDefinition live) => throw NoDhcpDns.Error(this, live, "list DHCP leases");
}
