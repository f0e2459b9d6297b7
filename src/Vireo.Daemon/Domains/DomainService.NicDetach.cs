using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Daemon.Domains;

public sealed partial class DomainService
{
    /// <summary>
    /// detach-interface DOMAIN TYPE [--mac]: without a MAC the domain must have exactly one NIC of that type.
    /// A NIC of type network matches by its definition even where the live XML shows it as direct.
    /// </summary>
    public async Task DetachInterfaceAsync(string key, string? type, string? mac, DeviceScope scope)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try
        {
            var (live, config) = Scope(e, scope);
            InterfaceDef Find(DomainDefinition def)
            {
                var matches = def.Interfaces.Where(n => (type is null || n.Type == type || (type == "network" && n.SourceNetwork is not null)) && (mac is null || string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase))).ToList();
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
                await ReleaseNicAsync(e.Name, liveNic);
                resources.ReleaseDevice(e.Name, NicDevice(liveNic));
                lock (e) e.Live = Without(e.Live!, liveNic);
                SaveStatus(e);
                DomainLog(e.Name, $"interface {liveNic.TargetDev} ({liveNic.Mac}) detached");
            }
            if (configNic is not null) SavePersistent(e, Without(e.Persistent!, configNic));
        }
        finally { e.OpLock.Release(); }
    }
}
