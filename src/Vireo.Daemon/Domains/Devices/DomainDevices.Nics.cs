using Vireo.Core.Domain;
using Vireo.Core.Domain.Edits;
using Vireo.Core.Errors;
using Vireo.Qemu.Hotplug;

namespace Vireo.Daemon.Domains.Devices;

public sealed partial class DomainDevices
{
    /// <summary>
    /// detach-interface DOMAIN TYPE [--mac]: without a MAC the domain must have exactly one NIC of that type.
    /// A NIC of type network matches by its definition even where the live XML shows it as direct.
    /// </summary>
    public async Task DetachInterfaceAsync(string key, string? type, string? mac, DeviceScope scope)
    {
        await using var op = await DomainOperation.BeginAsync(registry.Lookup(key));
        var e = op.Entry;
        var (live, config) = DeviceScopes.Resolve(scope, e.Name, e.IsActive, e.Persistent is not null);
        InterfaceDef Find(DomainDefinition def)
        {
            var matches = def.Interfaces.Where(n => (type is null || n.Type == type || (type == "network" && n.SourceNetwork is not null))
                && (mac is null || string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase))).ToList();
            return matches.Count switch
            {
                1 => matches[0],
                0 => throw new VireoException(ErrorCode.OperationFailed, $"No interface found whose type is {type}{(mac is null ? "" : $" and MAC address is {mac}")} (domain '{e.Name}')"),
                _ => throw new VireoException(ErrorCode.OperationFailed, $"Domain '{e.Name}' has {matches.Count} interfaces of type {type}; give --mac to choose one"),
            };
        }
        var liveNic = live ? Find(e.Live!) : null;
        var configNic = config ? Find(e.Persistent!) : null;
        if (liveNic is not null)
        {
            var alias = liveNic.Element.Element("alias")?.Attribute("name")?.Value ?? $"net{e.Live!.Interfaces.ToList().IndexOf(liveNic)}";
            await NicHotplug.UnplugAsync(e.Instance!, alias, $"interface {liveNic.Mac}", timeouts.Unplug);
            await nics.ReleaseAsync(e.Name, liveNic);
            lock (e) e.Live = DomainEdits.WithoutInterface(e.Live!, liveNic.Mac!);
            runner.SaveStatus(e);
            log.Write(e.Name, $"interface {liveNic.TargetDev} ({liveNic.Mac}) detached");
        }
        if (configNic is not null) registry.SavePersistent(e, DomainEdits.WithoutInterface(e.Persistent!, configNic.Mac!));
    }
}
