using Vireo.Contracts;
using Vireo.Core.Domain;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Domains;

public sealed partial class DomainService
{
    /// <summary>Defines (or redefines) a persistent domain from libvirt XML.</summary>
    public async Task<DomainSummary> DefineAsync(string xml)
    {
        var def = DomainDefinition.Parse(xml);
        CheckHostPaths(def, resolveVolumes: false);
        await _tableLock.WaitAsync();
        try
        {
            CheckUnique(def, out var existing);
            if (existing is not null)
            {
                // Keep the uuid of the domain being redefined when the new XML has none.
                if (def.Xml.Element("uuid") is null)
                    def.Xml.Element("name")!.AddAfterSelf(new System.Xml.Linq.XElement("uuid", existing.Current.Uuid.ToString()));
                DomainDefaults.Apply(def);
                store.SaveDefinition(def);
                lock (existing) existing.Persistent = def;
                Publish(existing, "Defined", "Updated");
                return Summary(existing);
            }
            DomainDefaults.Apply(def);
            store.SaveDefinition(def);
            var entry = new DomainEntry(def) { Reason = "unknown" };
            _domains[def.Name] = entry;
            Publish(entry, "Defined", "Added");
            Log.Defined(logger, def.Name, def.Uuid);
            return Summary(entry);
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
            var e = Lookup(key);
            await e.OpLock.WaitAsync();
            try
            {
                if (e.Persistent is null)
                    throw VireoException.Invalid($"Requested operation is not valid: cannot undefine transient domain '{e.Name}'");
                var name = e.Name;
                var nv = e.Persistent.Os.Nvram;
                if (nv is not null && File.Exists(nv) && !nvram && !keepNvram)
                    throw VireoException.Invalid($"Requested operation is not valid: cannot undefine domain '{name}' with nvram; use --nvram to remove it or --keep-nvram to keep it");
                store.DeleteDefinition(name);
                if (nvram && nv is not null) File.Delete(nv);
                Publish(e, "Undefined", "Removed");
                lock (e)
                {
                    e.Persistent = null;
                    // A running domain stays, as a transient one, until it stops.
                    if (!e.IsActive) _domains.TryRemove(name, out _);
                }
            }
            finally { e.OpLock.Release(); }
        }
        finally { _tableLock.Release(); }
    }

    /// <summary>
    /// Creates and starts a transient domain ('vireo create'). As in libvirt, the XML of a defined but
    /// inactive domain (same name and uuid) starts it with that XML as its live definition once, leaving
    /// the persistent one as it is (how an installer boots its install-time configuration).
    /// </summary>
    public async Task<DomainSummary> CreateAsync(string xml, bool paused)
    {
        var def = DomainDefinition.Parse(xml);
        DomainEntry entry;
        var defined = false;
        await _tableLock.WaitAsync();
        try
        {
            CheckUnique(def, out var existing);
            if (existing is { Persistent: not null, IsActive: false } && def.Xml.Element("uuid") is not null) (entry, defined) = (existing, true);
            else if (existing is not null)
                throw new VireoException(ErrorCode.DomainExists, $"operation failed: domain '{def.Name}' already exists");
            else
            {
                DomainDefaults.Apply(def);
                entry = new DomainEntry(null) { Live = def };
                _domains[def.Name] = entry;
            }
        }
        finally { _tableLock.Release(); }
        if (defined)
        {
            await entry.OpLock.WaitAsync();
            try { await StartLockedAsync(entry, paused, liveOverride: def); }
            finally { entry.OpLock.Release(); }
            return Summary(entry);
        }
        try
        {
            await StartAsync(def.Name, paused);
        }
        catch
        {
            _domains.TryRemove(def.Name, out _);
            throw;
        }
        return Summary(entry);
    }

    public void SetAutostart(string key, bool enabled)
    {
        var e = Lookup(key);
        if (e.Persistent is null)
            throw VireoException.Invalid($"Requested operation is not valid: cannot set autostart for transient domain '{e.Name}'");
        store.SetAutostart(e.Name, enabled);
    }
}
