using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using Vireo.Core.Domain;
using Vireo.Core.Operations;
using Vireo.Host.Processes;
using Vireo.Network.Bandwidth;

namespace Vireo.Network.Ports;

/// <summary>
/// The host side of guest NICs through <see cref="GuestPorts"/> (ip, ovs-vsctl, tc) and
/// <see cref="ITapDevices"/> (the descriptors): each step registers its undo, so a plug that fails
/// half-way leaves nothing behind.
/// </summary>
/// <param name="logger">vireod's log: each NIC's host side made and removed, and undo steps that failed</param>
public sealed class NicPlumbing(GuestPorts ports, ITapDevices taps, ILogger? logger = null) : INicPlumbing
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The real thing: tools through <paramref name="runner"/>, saved MACs and macvtap device nodes under <paramref name="stateDir"/>.</summary>
    public static NicPlumbing ForHost(IProcessRunner runner, string stateDir, ILogger<NicPlumbing>? logger = null) =>
        new(new GuestPorts(runner, stateDir, logger: logger), new KernelTapDevices(stateDir), logger);

    /// <summary>&lt;driver queues='N'/&gt; on a virtio NIC: a multiqueue tap, one descriptor per queue; one otherwise.</summary>
    public static int QueuesOf(InterfaceDef nic) =>
        (nic.Model ?? "virtio") == "virtio" && int.TryParse(nic.Element.Element("driver")?.Attribute("queues")?.Value, out var q) && q > 1 ? q : 1;

    /// <summary>The macvtap mode of a direct NIC; libvirt's default is vepa.</summary>
    public static string MacvtapMode(InterfaceDef nic) => nic.Element.Element("source")?.Attribute("mode")?.Value ?? "vepa";

    public static bool IsOpenVswitch(InterfaceDef nic) => nic.Element.Element("virtualport")?.Attribute("type")?.Value == "openvswitch";

    public async Task<NicHostSide> PlugAsync(InterfaceDef nic, Guid vm, CancellationToken ct = default)
    {
        var link = nic.TargetDev ?? throw new InvalidOperationException("a NIC is plugged after its target dev was chosen");
        var mac = nic.Mac ?? throw new InvalidOperationException("a NIC without a MAC (DomainDefaults gives every NIC one)");
        var vnetHeader = (nic.Model ?? "virtio") == "virtio";
        var queues = QueuesOf(nic);
        // Read before anything is made: a bad rate refuses the NIC, not half of it.
        var (inbound, outbound) = TcBandwidth.Read(nic.Element);
        var fds = new List<SafeFileHandle>();
        await using var undo = new Rollback(failure => Log.NicUndoFailed(_logger, link, failure));
        string where;
        if (nic.Type == "direct")
        {
            var (lower, mode) = (nic.SourceDev!, MacvtapMode(nic));
            await ports.CreateMacvtapAsync(link, lower, mode, mac, ct);
            undo.Add($"macvtap {link}", () => ports.ReleaseMacvtapAsync(link, lower, mode));
            for (var i = 0; i < queues; i++) Keep(fds, taps.OpenMacvtapQueue(link, vnetHeader), undo);
            where = $"macvtap on {lower} in {mode} mode";
        }
        else
        {
            for (var i = 0; i < queues; i++) Keep(fds, taps.OpenTap(link, vnetHeader, multiQueue: queues > 1), undo);
            var bridge = nic.Element.Element("source")?.Attribute("bridge")?.Value ?? nic.SourceBridge!;
            if (IsOpenVswitch(nic))
            {
                var id = nic.Element.Element("virtualport")?.Element("parameters")?.Attribute("interfaceid")?.Value ?? "";
                await ports.JoinOvsBridgeAsync(link, bridge, mac, id, vm, ct);
                undo.Add($"Open vSwitch port {link}", () => ports.RemoveOvsPortAsync(link));
                where = $"Open vSwitch bridge {bridge}";
            }
            else
            {
                // Leaving the bridge needs no undo: the tap goes with its last descriptor.
                await ports.JoinLinuxBridgeAsync(link, bridge, ct);
                where = $"bridge {bridge}";
            }
        }
        await ports.ApplyBandwidthAsync(link, macvtap: nic.Type == "direct", inbound, outbound, ct);
        undo.Commit();
        var details = (queues > 1 ? $", {queues} queues" : "") + (inbound is not null || outbound is not null ? ", bandwidth limited" : "");
        Log.NicPlugged(_logger, link, mac, where + details);
        return new NicHostSide(fds, where);
    }

    private static void Keep(List<SafeFileHandle> fds, SafeFileHandle fd, Rollback undo)
    {
        fds.Add(fd);
        undo.Add("descriptor", fd.Dispose);
    }

    public async Task UnplugAsync(InterfaceDef nic)
    {
        if (nic.Type == "direct" && nic.TargetDev is { } link && nic.SourceDev is { } lower)
        {
            await ports.ReleaseMacvtapAsync(link, lower, MacvtapMode(nic));
            Log.NicReleased(_logger, link, $"macvtap link on {lower}");
        }
        else if (IsOpenVswitch(nic) && nic.TargetDev is { } tap)
        {
            await ports.RemoveOvsPortAsync(tap);
            Log.NicReleased(_logger, tap, "Open vSwitch port");
        }
    }

    public async Task SetVfMacAsync(string pf, int vfIndex, string mac, string? vlan, CancellationToken ct = default)
    {
        await ports.SetVfMacAsync(pf, vfIndex, mac, vlan, ct);
        Log.VfMacSet(_logger, pf, vfIndex, mac, vlan is null ? "" : $" and VLAN {vlan}");
    }
}
