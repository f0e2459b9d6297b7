using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;

namespace Vireo.Daemon.Storage;

public sealed partial class PoolRegistry
{
    private readonly Lock _defineLock = new();

    /// <summary>pool-define: a new pool, or a new definition of a known one (same uuid), saved then swapped in.</summary>
    public PoolSnapshot Define(string xml) => Snapshot(Add(StoragePoolDefinition.Parse(xml), persistent: true).Entry);

    /// <summary>
    /// Adds a pool, or replaces the definition of the pool of that name. Refused: another uuid under the name,
    /// the uuid under another name, another pool's target path, a type without a backend, or a type change
    /// of a running pool.
    /// </summary>
    /// <returns>The entry, and the definition it had before (null for a new pool), so a failed pool-create can put it back.</returns>
    internal (PoolEntry Entry, StoragePoolDefinition? Replaced) Add(StoragePoolDefinition def, bool persistent)
    {
        backends.For(def.Type); // refuse types without a backend now, not at start
        def.ApplyDefaults();
        lock (_defineLock)
        {
            if (_pools.TryGetValue(def.Name, out var existing))
            {
                if (existing.Definition.Uuid != def.Uuid)
                    throw new VireoException(ErrorCode.OperationFailed, $"pool '{def.Name}' already exists with uuid {existing.Definition.Uuid}");
                if (existing.Active && existing.Definition.Type != def.Type)
                    throw new VireoException(ErrorCode.OperationInvalid, $"pool '{def.Name}' is running: its type cannot change");
            }
            if (_pools.Values.FirstOrDefault(p => p.Definition.Uuid == def.Uuid && p.Name != def.Name) is { } sameUuid)
                throw new VireoException(ErrorCode.OperationFailed, $"pool '{sameUuid.Name}' already exists with uuid {def.Uuid}");
            if (def.TargetPath is { } t && _pools.Values.FirstOrDefault(p => p.Name != def.Name && p.Definition.TargetPath == t) is { } sameTarget)
                throw new VireoException(ErrorCode.OperationFailed, $"Storage target path '{t}' is already in use by pool '{sameTarget.Name}'");
            if (persistent)
            {
                store.Definitions.Save(def);
                Log.Defined(logger, def.Name, def.Uuid);
            }
            if (existing is not null)
            {
                var replaced = existing.Definition;
                existing.Definition = def;
                existing.Persistent |= persistent;
                return (existing, replaced);
            }
            var e = new PoolEntry(def, persistent);
            _pools[def.Name] = e;
            return (e, null);
        }
    }

    /// <summary>Undoes an <see cref="Add"/> of a transient definition: the entry goes, or gets its old definition back.</summary>
    internal void Restore(PoolEntry e, StoragePoolDefinition? replaced)
    {
        lock (_defineLock)
        {
            if (replaced is null) _pools.TryRemove(new KeyValuePair<string, PoolEntry>(e.Name, e));
            else e.Definition = replaced;
        }
    }

    /// <summary>Drops a transient pool that stopped.</summary>
    internal void RemoveTransient(PoolEntry e)
    {
        lock (_defineLock)
            if (!e.Persistent && !e.Active) _pools.TryRemove(new KeyValuePair<string, PoolEntry>(e.Name, e));
    }

    /// <summary>pool-undefine: the definition and its autostart mark go; a running pool is refused, as in libvirt.</summary>
    public async Task UndefineAsync(string key)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try
        {
            if (e.Active) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is still active");
            store.Definitions.Delete(e.Name);
            lock (_defineLock) _pools.TryRemove(new KeyValuePair<string, PoolEntry>(e.Name, e));
            Log.Undefined(logger, e.Name);
        }
        finally { e.OpLock.Release(); }
    }

    public void SetAutostart(string key, bool enabled)
    {
        var e = Lookup(key);
        if (!e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"cannot set autostart for transient pool '{e.Name}'");
        store.Definitions.SetAutostart(e.Name, enabled);
    }

    public bool IsAutostart(string name) => store.Definitions.IsAutostart(name);
}
