using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Domain.Edits;
using Vireo.Core.Errors;
using Vireo.Core.Xml;
using Vireo.Daemon.Domains.Disks;
using Vireo.Daemon.Domains.Nics;
using Vireo.Daemon.Domains.Runner;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Domains.Devices;

/// <summary>
/// Devices attached, detached and changed on defined and running domains. Live changes go through QMP,
/// config changes rewrite the persistent definition; both new definitions are checked whole before
/// anything changes.
/// </summary>
public sealed partial class DomainDevices(DomainRegistry registry, DomainRunner runner, DiskSources disks, HostPathCheck pathCheck, GuestNics nics,
    VireoPaths paths, DomainEvents events, DomainLogWriter log, DomainTimeouts timeouts)
{
    public async Task AttachDeviceAsync(string key, string xml, DeviceScope scope)
    {
        var device = DomainEdits.ParseDevice(xml);
        await using var op = await DomainOperation.BeginAsync(registry.Lookup(key));
        var e = op.Entry;
        var (live, config) = DeviceScopes.Resolve(scope, e.Name, e.IsActive, e.Persistent is not null);
        if (device.Name.LocalName == "interface" && device.Element("mac") is null)
        {
            // One MAC for both the live and the persistent NIC, as libvirt does.
            var b = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3);
            device.AddFirst(new XElement("mac", new XAttribute("address", $"52:54:00:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}")));
        }
        var newLive = live ? DomainEdits.WithDevice(e.Live!, device) : null;
        var newConfig = config ? DomainEdits.WithDevice(e.Persistent!, device) : null;
        pathCheck.CheckDevice(newLive is not null ? disks.ForQemu(newLive) : newConfig!, device);
        if (newLive is not null)
        {
            var qmp = e.Instance!.Qmp;
            if (device.Name.LocalName == "interface") await nics.HotplugAsync(newLive, device.Element("mac")!.Attribute("address")!.Value, qmp);
            else
            {
                var target = device.Element("target")?.Attr("dev")!;
                await HotplugDiskAsync(e, newLive, newLive.Disks.First(d => d.TargetDev == target));
            }
            lock (e) e.Live = newLive;
            runner.SaveStatus(e);
        }
        if (newConfig is not null) registry.SavePersistent(e, newConfig);
        events.Publish(e.Current, "DeviceAdded", device.Element("target")?.Attr("dev") ?? device.Element("mac")?.Attr("address") ?? "");
    }

    public Task DetachDeviceAsync(string key, string xml, DeviceScope scope)
    {
        var device = DomainEdits.ParseDevice(xml);
        if (device.Name.LocalName == "interface")
            return DetachInterfaceAsync(key, device.Attribute("type")?.Value, device.Element("mac")?.Attr("address"), scope);
        var target = device.Element("target")?.Attr("dev")
            ?? throw new VireoException(ErrorCode.XmlValidation, "the <disk> to detach needs a <target dev='...'/>");
        return DetachDiskAsync(key, target, scope);
    }
}
