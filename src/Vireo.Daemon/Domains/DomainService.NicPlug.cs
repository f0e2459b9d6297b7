using Microsoft.Win32.SafeHandles;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Host.Interop;
using Vireo.Network.Bandwidth;
using Vireo.Network.Ports;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Plugging NICs into a paused or running QEMU: vireod makes the host side (a tap on a Linux or OVS
/// bridge, or a macvtap link), hands QEMU the descriptors over QMP (getfd) and adds netdev and
/// device. What outlives QEMU's descriptors (macvtap links, OVS ports) is released when the NIC goes.
/// </summary>
public sealed partial class DomainService
{
    private GuestPorts? _ports;

    /// <summary>The host side of guest NICs (set by the daemon; tests get one running real commands).</summary>
    public GuestPorts Ports
    {
        get => _ports ??= new GuestPorts(new Host.Processes.ProcessRunner(), Path.Combine(paths.RunDir, "ports"));
        set => _ports = value;
    }

    /// <summary>Plugs every NIC vireod makes the host side of into the paused QEMU, before the guest runs.</summary>
    private async Task AttachNicsAsync(DomainDefinition live, Qemu.Qmp.QmpClient qmp)
    {
        foreach (var nic in live.Interfaces.Where(Qemu.Argv.QemuArgv.PluggedByVireod))
            await PlugNicAsync(live, nic, qmp, Qemu.Argv.QemuArgv.ColdplugPort(live, nic));
    }

    /// <param name="bus">The q35 root port the NIC goes behind, or null (i440fx, or an address of its own).</param>
    private async Task PlugNicAsync(DomainDefinition live, InterfaceDef nic, Qemu.Qmp.QmpClient qmp, string? bus)
    {
        var alias = nic.Element.Element("alias")?.Attribute("name")?.Value ?? throw new InvalidOperationException("NIC without alias");
        var model = nic.Model ?? "virtio";
        // <driver queues='N'/>: a multiqueue tap, one descriptor per queue (virtio only).
        var queues = model == "virtio" && int.TryParse(nic.Element.Element("driver")?.Attribute("queues")?.Value, out var q) && q > 1 ? q : 1;
        var fds = new List<SafeFileHandle>();
        try
        {
            string where;
            if (nic.Type == "direct")
            {
                var mode = MacvtapMode(nic);
                await Ports.CreateMacvtapAsync(nic.TargetDev!, nic.SourceDev!, mode, nic.Mac!);
                for (var i = 0; i < queues; i++)
                    fds.Add(Macvtap.OpenQueue(nic.TargetDev!, vnetHeader: model == "virtio", Path.Combine(paths.RunDir, "ports")));
                where = $"macvtap on {nic.SourceDev} in {mode} mode";
            }
            else
            {
                for (var i = 0; i < queues; i++)
                    fds.Add(Tun.OpenTap(nic.TargetDev!, vnetHeader: model == "virtio", multiQueue: queues > 1));
                var bridge = nic.Element.Element("source")?.Attribute("bridge")?.Value ?? nic.SourceBridge!;
                if (IsOvs(nic))
                {
                    var id = nic.Element.Element("virtualport")!.Element("parameters")!.Attribute("interfaceid")!.Value;
                    await Ports.JoinOvsBridgeAsync(nic.TargetDev!, bridge, nic.Mac!, id, live.Uuid);
                    where = $"Open vSwitch bridge {bridge}";
                }
                else
                {
                    await Ports.JoinLinuxBridgeAsync(nic.TargetDev!, bridge);
                    where = $"bridge {bridge}";
                }
            }
            await ApplyBandwidthAsync(nic);
            for (var i = 0; i < fds.Count; i++) await qmp.SendFdAsync($"tapfd-{alias}-{i}", fds[i]);
            foreach (var fd in fds) fd.Dispose();
            var netdev = new System.Text.Json.Nodes.JsonObject { ["type"] = "tap", ["id"] = "host" + alias };
            if (queues == 1) netdev["fd"] = $"tapfd-{alias}-0";
            else netdev["fds"] = string.Join(':', Enumerable.Range(0, queues).Select(i => $"tapfd-{alias}-{i}"));
            netdev["vhost"] = File.Exists("/dev/vhost-net") && model == "virtio";
            await qmp.ExecuteAsync("netdev_add", netdev);
            var spec = Qemu.Argv.QemuArgv.NicDeviceSpec(live, nic, "host" + alias, alias, bus);
            if (queues > 1) spec += $",mq=on,vectors={2 * queues + 2}";
            await qmp.DeviceAddAsync(spec);
            DomainLog(live.Name, $"interface {nic.TargetDev} ({nic.Mac}) on {where}, descriptor handed to QEMU");
        }
        catch
        {
            await ReleaseNicAsync(live.Name, nic);
            throw;
        }
        finally { foreach (var fd in fds) fd.Dispose(); }
    }

    /// <summary>
    /// &lt;bandwidth&gt; as tc rules on the host side. A tap's egress is what the guest receives; a macvtap
    /// link's egress is what the guest sends, so for direct NICs the directions swap (as in libvirt).
    /// </summary>
    private async Task ApplyBandwidthAsync(InterfaceDef nic)
    {
        var (inbound, outbound) = TcBandwidth.Read(nic.Element);
        var commands = nic.Type == "direct" ? TcBandwidth.Commands(nic.TargetDev!, outbound, inbound) : TcBandwidth.Commands(nic.TargetDev!, inbound, outbound);
        foreach (var cmd in commands)
        {
            try { await Ports.RunAsync(cmd); }
            catch (Host.Processes.ProcessFailedException ex)
            {
                throw new VireoException(ErrorCode.OperationFailed,
                    $"cannot apply <bandwidth> to interface {nic.Mac} ({nic.TargetDev}): {ex.Message}" +
                    (cmd.Contains("police") ? " (limiting traffic with a policer needs the kernel's police action, act_police)" : ""));
            }
        }
    }

    /// <summary>Removes what a NIC leaves behind on the host once QEMU let go of it: its macvtap link or its OVS port.</summary>
    private async Task ReleaseNicAsync(string domain, InterfaceDef nic)
    {
        try
        {
            if (nic.Type == "direct" && nic.TargetDev is { } link && nic.SourceDev is { } lower)
                await Ports.ReleaseMacvtapAsync(link, lower, MacvtapMode(nic));
            else if (IsOvs(nic) && nic.TargetDev is { } tap)
                await Ports.RemoveOvsPortAsync(tap);
        }
        catch (Exception ex) { DomainLog(domain, $"releasing interface {nic.TargetDev} ({nic.Mac}) failed: {ex.Message}"); }
    }

    /// <summary>What a stopped guest leaves on the host: macvtap links, OVS ports, PCI devices on vfio-pci.</summary>
    private async Task ReleaseHostResourcesAsync(DomainDefinition live)
    {
        await ReleaseNicsAsync(live);
        await ReleasePciAsync(live);
        resources.ReleaseAll(live.Name);
    }

    private async Task ReleaseNicsAsync(DomainDefinition live)
    {
        foreach (var nic in live.Interfaces) await ReleaseNicAsync(live.Name, nic);
    }

    /// <summary>A q35 root port with nothing behind it, for a hot-plugged NIC or disk (pcie.0 takes no hotplug).</summary>
    private static async Task<string> FreeHotplugPortAsync(string domain, Qemu.Qmp.QmpClient qmp) =>
        await qmp.FreeHotplugPortAsync() ?? throw new VireoException(ErrorCode.OperationFailed,
            $"no free PCI Express root port left in domain '{domain}' for hot-plugging (each start provides {Qemu.Argv.QemuArgv.SpareHotplugPorts})");

    /// <summary>Live NIC attach: the host side, the descriptors, netdev and device; undone if a step fails.</summary>
    private async Task HotplugNicAsync(DomainEntry e, DomainDefinition newLive, string mac)
    {
        try { PrepareNics(newLive); }
        catch
        {
            resources.ReleaseDevice(e.Name, mac.ToLowerInvariant());
            throw;
        }
        var nic = newLive.Interfaces.First(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase));
        var qmp = e.Instance!.Qmp;
        var alias = nic.Element.Element("alias")!.Attribute("name")!.Value;
        if (nic.Type is not ("network" or "bridge" or "direct" or "user"))
            throw new VireoException(ErrorCode.NotSupported, $"interfaces of type '{nic.Type}' cannot be hot-plugged yet");
        string? bus = null;
        if (Qemu.Argv.QemuArgv.IsQ35(newLive) && nic.Address is not { Type: "pci" }) bus = await FreeHotplugPortAsync(e.Name, qmp);
        try
        {
            if (nic.Type == "user")
            {
                await qmp.ExecuteAsync("netdev_add", new System.Text.Json.Nodes.JsonObject { ["type"] = "user", ["id"] = "host" + alias });
                await qmp.DeviceAddAsync(Qemu.Argv.QemuArgv.NicDeviceSpec(newLive, nic, "host" + alias, alias, bus));
            }
            else await PlugNicAsync(newLive, nic, qmp, bus);
        }
        catch (Exception ex) when (ex is Qemu.Qmp.QmpErrorException or Host.Processes.ProcessFailedException or IOException)
        {
            try { await qmp.ExecuteAsync("netdev_del", new System.Text.Json.Nodes.JsonObject { ["id"] = "host" + alias }); } catch (Qemu.Qmp.QmpErrorException) { }
            await ReleaseNicAsync(e.Name, nic);
            resources.ReleaseDevice(e.Name, NicDevice(nic));
            throw new VireoException(ErrorCode.OperationFailed, $"attaching interface {nic.Mac} to domain '{e.Name}' failed: {ex.Message}");
        }
        DomainLog(e.Name, $"interface {nic.TargetDev} ({nic.Mac}) attached");
    }
}
