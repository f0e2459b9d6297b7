using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Host.Processes;
using Vireo.Network.Direct;
using Vireo.Network.Dnsmasq;
using Vireo.Network.HostBridge;
using Vireo.Network.Hostdev;
using Vireo.Network.OpenVswitch;
using Vireo.Network.Sriov;
using Vireo.Network.Virtual;

namespace Vireo.Network;

/// <summary>The backend for each kind of network this build runs, found from a definition's forward mode, bridge and virtualport.</summary>
public sealed class NetworkBackends
{
    private readonly Dictionary<string, INetworkBackend> _byType;

    /// <param name="dnsmasqDir">Where dnsmasq's configuration, hosts, lease and pid files go.</param>
    /// <param name="procSys">/proc/sys, where forwarding is turned on.</param>
    /// <param name="sysRoot">/sys, where SR-IOV virtual functions are found.</param>
    /// <param name="logger">vireod's log: bridges, rules and dnsmasq processes made and removed</param>
    public NetworkBackends(IProcessRunner runner, string dnsmasqDir, string procSys = "/proc/sys", string sysRoot = "/sys",
        ILogger<NetworkBackends>? logger = null)
    {
        Host = new HostInterfaces(runner);
        var vfs = new VfPool(sysRoot);
        _byType = new INetworkBackend[]
        {
            new VirtualNetworkBackend(runner, new DnsmasqService(runner, dnsmasqDir, logger), Host, procSys, logger),
            new HostBridgeNetworkBackend(Host),
            new OvsNetworkBackend(runner),
            new DirectNetworkBackend(Host, vfs),
            new HostdevNetworkBackend(vfs),
        }.ToDictionary(b => b.Type);
    }

    /// <summary>The host's interfaces and routes, which definitions are checked against.</summary>
    public HostInterfaces Host { get; }

    public IEnumerable<INetworkBackend> All => _byType.Values;

    /// <summary>
    /// virtual (nat, route, open, isolated: a bridge of vireod's own), bridge (a host bridge), openvswitch,
    /// direct (macvtap) or hostdev (SR-IOV VFs); a virtualport type other than openvswitch names itself.
    /// </summary>
    public static string TypeOf(NetworkDefinition n) => n switch
    {
        { HasOwnBridge: true } => "virtual",
        { MacvtapMode: not null } => "direct",
        { ForwardMode: "hostdev" } => "hostdev",
        { VirtualPortType: { } port } => port,
        _ => "bridge",
    };

    public INetworkBackend For(string type) => Find(type)
        ?? throw new VireoException(ErrorCode.NotSupported,
            $"network type '{type}' is not supported by this build (supported: {string.Join(", ", _byType.Keys)})");

    /// <summary>The backend that runs <paramref name="network"/>; NotSupported naming the network and what it asks for.</summary>
    public INetworkBackend For(NetworkDefinition network)
    {
        var type = TypeOf(network);
        if (Find(type) is { } backend) return backend;
        // Only a virtualport type can name a backend that does not exist: forward modes are checked when the XML is read.
        throw new VireoException(ErrorCode.NotSupported, $"network '{network.Name}': virtualport type '{type}' is not supported " +
            "(openvswitch is; 802.1Qbg/802.1Qbh need lldpad and a switch that speaks VDP)");
    }

    /// <summary>What the backend of <paramref name="network"/> can do; none when no backend runs it.</summary>
    public NetworkCapabilities CapabilitiesOf(NetworkDefinition network) => Find(TypeOf(network))?.Capabilities ?? NetworkCapabilities.None;

    private INetworkBackend? Find(string type) => _byType.GetValueOrDefault(type);
}
