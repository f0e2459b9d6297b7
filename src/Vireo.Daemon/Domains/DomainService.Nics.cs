using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Guest NICs of type network and bridge: each gets a tap named vnetN (written into the live XML as
/// libvirt does), which QEMU creates; while the vCPUs are still stopped, vireod puts it on the
/// network's bridge and brings it up.
/// </summary>
public sealed partial class DomainService
{
    /// <summary>network name -> its bridge; throws naming the network when it is not active (set by the daemon).</summary>
    public Func<string, string> NetworkBridge { get; set; } =
        name => throw new VireoException(ErrorCode.NoNetwork, $"network '{name}' not found");

    /// <summary>Interface names that exist on the host (to pick free vnetN names).</summary>
    public Func<ISet<string>> HostLinks { get; set; } = () => new HashSet<string>();

    /// <summary>Runs `ip` (bridge attachment), through the daemon's process runner.</summary>
    public Func<IReadOnlyList<string>, Task> RunIp { get; set; } = _ => Task.CompletedTask;

    /// <summary>Fills in tap names and bridges for the live definition; refuses NICs on inactive networks before QEMU starts.</summary>
    private void PrepareNics(DomainDefinition live)
    {
        var taken = HostLinks();
        foreach (var d in _domains.Values)
            lock (d)
                if (d.Live is { } other && d.Instance is not null)
                    foreach (var n in other.Interfaces) if (n.TargetDev is { } t) taken.Add(t);
        // Aliases first: net<i> for the i-th NIC as QEMU's ids have it, the next free one for a new NIC.
        var nics = live.Interfaces.ToList();
        var used = nics.Select(n => n.Element.Element("alias")?.Attribute("name")?.Value).Where(a => a is not null).ToHashSet();
        for (var i = 0; i < nics.Count; i++)
        {
            if (nics[i].Element.Element("alias") is not null) continue;
            var k = used.Contains($"net{i}") ? Enumerable.Range(0, 1000).First(j => !used.Contains($"net{j}")) : i;
            used.Add($"net{k}");
            nics[i].Element.Add(new XElement("alias", new XAttribute("name", $"net{k}")));
        }
        foreach (var nic in live.Interfaces.Where(n => n.Type is "network" or "bridge"))
        {
            var el = nic.Element;
            var src = el.Element("source") ?? new XElement("source");
            if (src.Parent is null) el.Add(src);
            if (nic.Type == "network")
            {
                var net = nic.SourceNetwork ?? throw new VireoException(ErrorCode.XmlValidation, $"{SafeXml.Where(el)}: <source network='...'/> is missing");
                string bridge;
                try { bridge = NetworkBridge(net); }
                catch (VireoException ex) when (ex.Code is ErrorCode.OperationInvalid or ErrorCode.NoNetwork)
                {
                    throw new VireoException(ErrorCode.OperationInvalid,
                        $"Requested operation is not valid: network '{net}' is not active (start it with 'vireo net-start {net}')");
                }
                src.SetAttributeValue("bridge", bridge);
            }
            else if (nic.SourceBridge is null) throw new VireoException(ErrorCode.XmlValidation, $"{SafeXml.Where(el)}: <source bridge='...'/> is missing");
            if (nic.TargetDev is null)
            {
                var i = 0;
                while (taken.Contains($"vnet{i}")) i++;
                taken.Add($"vnet{i}");
                var target = el.Element("target") ?? new XElement("target");
                if (target.Parent is null) el.Add(target);
                target.SetAttributeValue("dev", $"vnet{i}");
            }
        }
        live.Reload();
    }

    /// <summary>Plugs every network/bridge NIC into the paused QEMU, before the guest runs.</summary>
    private async Task AttachNicsAsync(DomainDefinition live, Qemu.Qmp.QmpClient qmp)
    {
        foreach (var nic in live.Interfaces.Where(n => n.Type is "network" or "bridge"))
            await PlugNicAsync(live, nic, qmp);
    }

    /// <summary>
    /// vireod makes the tap (TUNSETIFF), puts it on the bridge, hands its descriptor to QEMU (getfd)
    /// and adds the netdev and the NIC. The tap goes away with QEMU's descriptor.
    /// </summary>
    private async Task PlugNicAsync(DomainDefinition live, InterfaceDef nic, Qemu.Qmp.QmpClient qmp)
    {
        var alias = nic.Element.Element("alias")?.Attribute("name")?.Value ?? throw new InvalidOperationException("NIC without alias");
        var bridge = nic.Element.Element("source")?.Attribute("bridge")?.Value ?? nic.SourceBridge!;
        var model = nic.Model ?? "virtio";
        // <driver queues='N'/>: a multiqueue tap, one descriptor per queue (virtio only).
        var queues = model == "virtio" && int.TryParse(nic.Element.Element("driver")?.Attribute("queues")?.Value, out var q) && q > 1 ? q : 1;
        var taps = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        try
        {
            for (var i = 0; i < queues; i++)
                taps.Add(Vireo.Host.Interop.Tun.OpenTap(nic.TargetDev!, vnetHeader: model == "virtio", multiQueue: queues > 1));
            await RunIp(["ip", "link", "set", "dev", nic.TargetDev!, "master", bridge]);
            await RunIp(["ip", "link", "set", "dev", nic.TargetDev!, "up"]);
            var (inbound, outbound) = Vireo.Network.Bandwidth.TcBandwidth.Read(nic.Element);
            foreach (var cmd in Vireo.Network.Bandwidth.TcBandwidth.Commands(nic.TargetDev!, inbound, outbound))
            {
                try { await RunIp(cmd); }
                catch (Host.Processes.ProcessFailedException ex)
                {
                    throw new VireoException(ErrorCode.OperationFailed,
                        $"cannot apply <bandwidth> to interface {nic.Mac} ({nic.TargetDev}): {ex.Message}" +
                        (cmd.Contains("police") ? " (limiting traffic from the guest needs the kernel's police action, act_police)" : ""));
                }
            }
            for (var i = 0; i < taps.Count; i++) await qmp.SendFdAsync($"tapfd-{alias}-{i}", taps[i]);
        }
        finally { foreach (var t in taps) t.Dispose(); }
        var netdev = new System.Text.Json.Nodes.JsonObject { ["type"] = "tap", ["id"] = "host" + alias };
        if (queues == 1) netdev["fd"] = $"tapfd-{alias}-0";
        else netdev["fds"] = string.Join(':', Enumerable.Range(0, queues).Select(i => $"tapfd-{alias}-{i}"));
        netdev["vhost"] = File.Exists("/dev/vhost-net") && model == "virtio";
        await qmp.ExecuteAsync("netdev_add", netdev);
        var spec = Qemu.Argv.QemuArgv.NicDeviceSpec(live, nic, "host" + alias, alias);
        if (queues > 1) spec += $",mq=on,vectors={2 * queues + 2}";
        await qmp.DeviceAddAsync(spec);
        DomainLog(live.Name, $"interface {nic.TargetDev} ({nic.Mac}) on bridge {bridge}, tap handed to QEMU");
    }

    /// <summary>Live NIC attach: tap netdev (QEMU opens vnetN), the device, then the bridge; undone if a step fails.</summary>
    private async Task HotplugNicAsync(DomainEntry e, DomainDefinition newLive, string mac)
    {
        PrepareNics(newLive);
        var nic = newLive.Interfaces.First(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase));
        var qmp = e.Instance!.Qmp;
        var alias = nic.Element.Element("alias")!.Attribute("name")!.Value;
        if (nic.Type is not ("network" or "bridge" or "user"))
            throw new VireoException(ErrorCode.NotSupported, $"interfaces of type '{nic.Type}' cannot be hot-plugged yet");
        try
        {
            if (nic.Type == "user")
            {
                await qmp.ExecuteAsync("netdev_add", new System.Text.Json.Nodes.JsonObject { ["type"] = "user", ["id"] = "host" + alias });
                await qmp.DeviceAddAsync(Qemu.Argv.QemuArgv.NicDeviceSpec(newLive, nic, "host" + alias, alias));
            }
            else await PlugNicAsync(newLive, nic, qmp);
        }
        catch (Exception ex) when (ex is Qemu.Qmp.QmpErrorException or Host.Processes.ProcessFailedException or IOException)
        {
            try { await qmp.ExecuteAsync("netdev_del", new System.Text.Json.Nodes.JsonObject { ["id"] = "host" + alias }); } catch (Qemu.Qmp.QmpErrorException) { }
            throw new VireoException(ErrorCode.OperationFailed, $"attaching interface {nic.Mac} to domain '{e.Name}' failed: {ex.Message}");
        }
        DomainLog(e.Name, $"interface {nic.TargetDev} ({nic.Mac}) attached");
    }

    /// <summary>detach-interface DOMAIN TYPE [--mac]: without a MAC the domain must have exactly one NIC of that type.</summary>
    public async Task DetachInterfaceAsync(string key, string? type, string? mac, DeviceScope scope)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try
        {
            var (live, config) = Scope(e, scope);
            InterfaceDef Find(DomainDefinition def)
            {
                var matches = def.Interfaces.Where(n => (type is null || n.Type == type) && (mac is null || string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase))).ToList();
                return matches.Count switch
                {
                    1 => matches[0],
                    0 => throw new VireoException(ErrorCode.OperationFailed, $"No interface found whose type is {type}{(mac is null ? "" : $" and MAC address is {mac}")} (domain '{e.Name}')"),
                    _ => throw new VireoException(ErrorCode.OperationFailed, $"Domain '{e.Name}' has {matches.Count} interfaces of type {type}; give --mac to choose one"),
                };
            }
            DomainDefinition Without(DomainDefinition def, InterfaceDef nic)
            {
                var x = new XElement(def.Xml);
                x.Element("devices")!.Elements("interface").First(i => string.Equals(i.Element("mac")?.Attribute("address")?.Value, nic.Mac, StringComparison.OrdinalIgnoreCase)).Remove();
                return DomainDefinition.Parse(SafeXml.Format(x));
            }
            var liveNic = live ? Find(e.Live!) : null;
            var configNic = config ? Find(e.Persistent!) : null;
            if (liveNic is not null)
            {
                var alias = liveNic.Element.Element("alias")?.Attribute("name")?.Value ?? $"net{e.Live!.Interfaces.ToList().IndexOf(liveNic)}";
                var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                e.PendingUnplugs[alias] = gone;
                try
                {
                    await e.Instance!.Qmp.DeviceDelAsync(alias);
                    try { await gone.Task.WaitAsync(UnplugTimeout); }
                    catch (TimeoutException)
                    {
                        throw new VireoException(ErrorCode.OperationTimeout, $"the guest did not release interface {liveNic.Mac} within {UnplugTimeout.TotalSeconds:0} s");
                    }
                }
                finally { e.PendingUnplugs.TryRemove(alias, out _); }
                try { await e.Instance!.Qmp.ExecuteAsync("netdev_del", new System.Text.Json.Nodes.JsonObject { ["id"] = "host" + alias }); }
                catch (Qemu.Qmp.QmpErrorException) { }
                lock (e) e.Live = Without(e.Live!, liveNic);
                SaveStatus(e);
                DomainLog(e.Name, $"interface {liveNic.TargetDev} ({liveNic.Mac}) detached");
            }
            if (configNic is not null) SavePersistent(e, Without(e.Persistent!, configNic));
        }
        finally { e.OpLock.Release(); }
    }
}
