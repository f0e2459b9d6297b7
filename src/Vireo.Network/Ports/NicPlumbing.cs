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
public sealed class NicPlumbing(GuestPorts ports, ITapDevices taps) : INicPlumbing
{
    /// <summary>The real thing: tools through <paramref name="runner"/>, saved MACs and macvtap device nodes under <paramref name="stateDir"/>.</summary>
    public static NicPlumbing ForHost(IProcessRunner runner, string stateDir) =>
        new(new GuestPorts(runner, stateDir), new KernelTapDevices(stateDir));

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
        await using var undo = new Rollback();
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
            await ports.ReleaseMacvtapAsync(link, lower, MacvtapMode(nic));
        else if (IsOpenVswitch(nic) && nic.TargetDev is { } tap)
            await ports.RemoveOvsPortAsync(tap);
    }

    public Task SetVfMacAsync(string pf, int vfIndex, string mac, string? vlan, CancellationToken ct = default) =>
        ports.SetVfMacAsync(pf, vfIndex, mac, vlan, ct);
}
