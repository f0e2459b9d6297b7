using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Host.Processes;

namespace Vireo.Network.OpenVswitch;

/// <summary>
/// forward mode='bridge' with &lt;virtualport type='openvswitch'/&gt;: an Open vSwitch bridge OVS runs and
/// keeps. vireod checks that OVS knows it; each guest's tap becomes a port on it.
/// </summary>
public sealed class OvsNetworkBackend(IProcessRunner runner) : INetworkBackend
{
    public string Type => "openvswitch";

    public NetworkCapabilities Capabilities => NetworkCapabilities.GuestTaps | NetworkCapabilities.OpenVswitch;

    public async Task StartAsync(NetworkDefinition network, IReadOnlyList<NetworkDefinition> otherActive, CancellationToken ct)
    {
        var bridge = network.BridgeName!;
        if (!await BridgeExistsAsync(bridge, ct))
            throw new VireoException(ErrorCode.OperationFailed,
                $"network '{network.Name}': Open vSwitch bridge '{bridge}' does not exist (create it with 'ovs-vsctl add-br {bridge}')");
    }

    /// <summary>Whether OVS knows bridge <paramref name="bridge"/> (ovs-vsctl br-exists: 0 yes, 2 no).</summary>
    public async Task<bool> BridgeExistsAsync(string bridge, CancellationToken ct = default)
    {
        ProcessResult r;
        try { r = await runner.RunAsync(["ovs-vsctl", "--timeout=5", "br-exists", bridge], check: false, ct: ct); }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new VireoException(ErrorCode.OperationFailed, "Open vSwitch is not installed (ovs-vsctl not found): apt-get install openvswitch-switch");
        }
        if (r.ExitCode is 0 or 2) return r.ExitCode == 0;
        throw new VireoException(ErrorCode.OperationFailed, $"cannot reach Open vSwitch (is ovsdb-server running?): {r.Stderr.Trim()}");
    }

    public Task StopAsync(NetworkDefinition live, IReadOnlyList<NetworkDefinition> stillActive, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The bridge is OVS's to keep, in its database, across vireod's restarts.</summary>
    public Task<bool> AdoptAsync(NetworkDefinition live, CancellationToken ct) => Task.FromResult(true);

    public NetworkPlug PlugOf(NetworkDefinition live) => new(live.Name, live.BridgeName, "openvswitch", null, [], []);

    public Task<bool> ReviveAsync(NetworkDefinition live, CancellationToken ct) => throw NoDhcpDns.Error(this, live, "restart dnsmasq");

    public Task ApplyUpdateAsync(NetworkDefinition live, string section, CancellationToken ct) => throw NoDhcpDns.Error(this, live, $"update {section} live");

    public IReadOnlyList<DhcpLease> Leases(NetworkDefinition live) => throw NoDhcpDns.Error(this, live, "list DHCP leases");
}
