using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Network.Ports;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Hotplug;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Nics;

/// <summary>
/// Plugging NICs into a paused or running QEMU: the NIC plumbing makes the host side (a tap on a Linux
/// or OVS bridge, or a macvtap link), vireod hands QEMU the descriptors over QMP (getfd) and adds netdev
/// and device. What outlives QEMU's descriptors (macvtap links, OVS ports) is released when the NIC goes.
/// </summary>
public sealed partial class GuestNics
{
    /// <summary>Plugs every NIC vireod makes the host side of into the paused QEMU, before the guest runs.</summary>
    public async Task AttachAllAsync(DomainDefinition live, QmpClient qmp, Rollback undo)
    {
        undo.Add("interfaces", () => ReleaseAllAsync(live));
        foreach (var nic in live.Interfaces.Where(QemuArgv.PluggedByVireod))
            await PlugAsync(live, nic, qmp, QemuArgv.ColdplugPort(live, nic));
    }

    /// <param name="bus">The q35 root port the NIC goes behind, or null (i440fx, or an address of its own).</param>
    private async Task PlugAsync(DomainDefinition live, InterfaceDef nic, QmpClient qmp, string? bus)
    {
        var alias = nic.Element.Element("alias")?.Attribute("name")?.Value ?? throw new InvalidOperationException("NIC without alias");
        NicHostSide? host = null;
        try
        {
            host = await plumbing.PlugAsync(nic, live.Uuid);
            await NicHotplug.PlugTapAsync(qmp, live, nic, alias, host.Descriptors, bus, line => log.Write(live.Name, line));
            log.Write(live.Name, $"interface {nic.TargetDev} ({nic.Mac}) on {host.Where}, descriptor handed to QEMU");
        }
        catch
        {
            await ReleaseAsync(live.Name, nic);
            throw;
        }
        finally { host?.Dispose(); }
    }

    /// <summary>Removes what a NIC leaves behind on the host once QEMU let go of it (its macvtap link or OVS port) and its claims.</summary>
    public async Task ReleaseAsync(string domain, InterfaceDef nic)
    {
        try
        {
            await plumbing.UnplugAsync(nic);
        }
        catch (Exception ex) { log.Write(domain, $"releasing interface {nic.TargetDev} ({nic.Mac}) failed: {ex.Message}"); }
        if (nic.Mac is not null) resources.ReleaseDevice(domain, NicDevice(nic));
    }

    public async Task ReleaseAllAsync(DomainDefinition live)
    {
        foreach (var nic in live.Interfaces) await ReleaseAsync(live.Name, nic);
    }

    /// <summary>Live NIC attach: the host side, the descriptors, netdev and device; undone if a step fails.</summary>
    public async Task HotplugAsync(DomainDefinition newLive, string mac, QmpClient qmp)
    {
        var domain = newLive.Name;
        try { Prepare(newLive); }
        catch
        {
            resources.ReleaseDevice(domain, mac.ToLowerInvariant());
            throw;
        }
        var nic = newLive.Interfaces.First(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase));
        var alias = nic.Element.Element("alias")!.Attribute("name")!.Value;
        if (nic.Type is not ("network" or "bridge" or "direct" or "user"))
        {
            await ReleaseAsync(domain, nic);
            throw new VireoException(ErrorCode.NotSupported, $"interfaces of type '{nic.Type}' cannot be hot-plugged yet");
        }
        try
        {
            string? bus = null;
            if (QemuArgv.IsQ35(newLive) && nic.Address is not { Type: "pci" }) bus = await HotplugPorts.FreeAsync(qmp, domain);
            if (nic.Type == "user") await NicHotplug.PlugUserAsync(qmp, newLive, nic, alias, bus, line => log.Write(domain, line));
            else await PlugAsync(newLive, nic, qmp, bus);
        }
        catch (Exception ex) when (ex is QmpException or Host.Processes.ProcessFailedException or IOException or VireoException)
        {
            await ReleaseAsync(domain, nic);
            if (ex is VireoException) throw;
            throw new VireoException(ex is QmpTimeoutException ? ErrorCode.OperationTimeout : ErrorCode.OperationFailed,
                $"attaching interface {nic.Mac} to domain '{domain}' failed: {ex.Message}");
        }
        log.Write(domain, $"interface {nic.TargetDev} ({nic.Mac}) attached");
    }
}
