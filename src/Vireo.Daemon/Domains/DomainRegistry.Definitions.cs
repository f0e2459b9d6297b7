using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Domains;

public sealed partial class DomainRegistry
{
    /// <summary>Defines (or redefines) a persistent domain from libvirt XML.</summary>
    public async Task<DomainSnapshot> DefineAsync(string xml)
    {
        var def = DomainDefinition.Parse(xml);
        pathCheck.Check(def);
        await _tableLock.WaitAsync();
        try
        {
            CheckUnique(def, out var existing);
            if (existing is not null)
            {
                // Keep the uuid of the domain being redefined when the new XML has none.
                if (def.Xml.Element("uuid") is null)
                    def.Xml.Element("name")!.AddAfterSelf(new XElement("uuid", existing.Current.Uuid.ToString()));
                DomainDefaults.Apply(def);
                store.Definitions.Save(def);
                lock (existing) existing.Persistent = def;
                events.Publish(def, "Defined", "Updated");
                return Snapshot(existing);
            }
            DomainDefaults.Apply(def);
            store.Definitions.Save(def);
            var entry = new DomainEntry(def) { Reason = "unknown" };
            _domains[def.Name] = entry;
            events.Publish(def, "Defined", "Added");
            Log.Defined(logger, def.Name, def.Uuid);
            return Snapshot(entry);
        }
        finally { _tableLock.Release(); }
    }

    /// <summary>Name and uuid must each identify one domain, as in libvirt.</summary>
    private void CheckUnique(DomainDefinition def, out DomainEntry? existing)
    {
        _domains.TryGetValue(def.Name, out existing);
        if (existing is not null && def.Xml.Element("uuid") is not null && existing.Current.Uuid != def.Uuid)
            throw new VireoException(ErrorCode.DomainExists,
                $"operation failed: domain '{def.Name}' already exists with uuid {existing.Current.Uuid}");
        if (def.Xml.Element("uuid") is null) return;
        var clash = _domains.Values.FirstOrDefault(e => e.Current.Uuid == def.Uuid && e.Current.Name != def.Name);
        if (clash is not null)
            throw new VireoException(ErrorCode.DomainExists,
                $"operation failed: domain '{clash.Name}' is already defined with uuid {def.Uuid}");
    }

    /// <summary>Removes a persistent definition. A domain with an nvram file needs nvram (delete it) or keepNvram, as in libvirt.</summary>
    public async Task UndefineAsync(string key, bool nvram, bool keepNvram)
    {
        await _tableLock.WaitAsync();
        try
        {
            await using var op = await DomainOperation.BeginAsync(Lookup(key));
            var e = op.Entry;
            if (e.Persistent is null)
                throw VireoException.Invalid($"Requested operation is not valid: cannot undefine transient domain '{e.Name}'");
            var name = e.Name;
            var nv = e.Persistent.Os.Nvram;
            if (nv is not null && File.Exists(nv) && !nvram && !keepNvram)
                throw VireoException.Invalid($"Requested operation is not valid: cannot undefine domain '{name}' with nvram; use --nvram to remove it or --keep-nvram to keep it");
            store.Definitions.Delete(name);
            if (nvram && nv is not null) File.Delete(nv);
            events.Publish(e.Current, "Undefined", "Removed");
            lock (e)
            {
                e.Persistent = null;
                // A running domain stays, as a transient one, until it stops.
                if (!e.IsActive) _domains.TryRemove(name, out _);
            }
        }
        finally { _tableLock.Release(); }
    }

    /// <summary>
    /// The entry 'vireo create' starts. As in libvirt, the XML of a defined but inactive domain (same name and
    /// uuid) runs that domain with this XML as its live definition once; otherwise a new transient domain.
    /// </summary>
    /// <returns>The entry, and the definition to run instead of the persistent one (null for a new transient domain).</returns>
    internal async Task<(DomainEntry Entry, DomainDefinition? LiveOverride)> ForCreateAsync(DomainDefinition def)
    {
        await _tableLock.WaitAsync();
        try
        {
            CheckUnique(def, out var existing);
            if (existing is { Persistent: not null, IsActive: false } && def.Xml.Element("uuid") is not null) return (existing, def);
            if (existing is not null)
                throw new VireoException(ErrorCode.DomainExists, $"operation failed: domain '{def.Name}' already exists");
            DomainDefaults.Apply(def);
            var entry = new DomainEntry(null) { Live = def };
            _domains[def.Name] = entry;
            return (entry, null);
        }
        finally { _tableLock.Release(); }
    }
}
