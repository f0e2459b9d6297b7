using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Core.Xml;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>
/// The table of storage pools: lookup (uuid, then name, as virsh), snapshots, pool-dumpxml, and the
/// persistent definitions (define, undefine, autostart) kept in <see cref="PoolStore"/>. Each pool's
/// <see cref="PoolEntry"/> carries its operation lock; <see cref="WithPoolAsync"/> runs an operation under it.
/// </summary>
public sealed partial class PoolRegistry(PoolStore store, PoolBackends backends, ILogger<PoolRegistry> logger)
{
    private readonly ConcurrentDictionary<string, PoolEntry> _pools = new();

    internal IEnumerable<PoolEntry> Entries => _pools.Values;

    /// <summary>Loads the persistent definitions; a hand-edited file that does not parse or would clash is left out and logged.</summary>
    public void Load()
    {
        store.Definitions.CreateDirectories();
        foreach (var def in store.Definitions.LoadAll(message => Log.BadDefinition(logger, message)))
            _pools[def.Name] = new PoolEntry(def, persistent: true);
    }

    /// <summary>
    /// virsh's order (virshCommandOptPoolBy): a uuid first, then a name, so a pool named like another's uuid is
    /// still found by its name once the uuid misses.
    /// </summary>
    public PoolEntry Lookup(string key)
    {
        if ((Guid.TryParseExact(key, "D", out var uuid) || Guid.TryParseExact(key, "N", out uuid))
            && _pools.Values.FirstOrDefault(p => p.Definition.Uuid == uuid) is { } byUuid)
            return byUuid;
        if (_pools.TryGetValue(key, out var byName)) return byName;
        throw new VireoException(ErrorCode.NoStoragePool, $"Storage pool not found: no storage pool with matching name '{key}'");
    }

    public bool Contains(string name) => _pools.ContainsKey(name);

    public PoolSnapshot Snapshot(PoolEntry e) => new(e.Name, e.Definition.Uuid, e.Definition.Type, e.Active,
        e.Persistent && store.Definitions.IsAutostart(e.Name), e.Persistent, e.Active ? e.Sizes : new PoolSizes(0, 0, 0), e.Definition.TargetPath);

    public IReadOnlyList<PoolSnapshot> List() => _pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(Snapshot).ToList();

    public PoolSnapshot Get(string key) => Snapshot(Lookup(key));

    /// <summary>pool-dumpxml: the definition, with the live sizes libvirt writes into it.</summary>
    public string GetXml(string key, bool inactive)
    {
        var e = Lookup(key);
        var xml = new XElement(e.Definition.Xml);
        if (!inactive)
        {
            foreach (var (n, v) in new[] { ("capacity", e.Sizes.Capacity), ("allocation", e.Sizes.Allocation), ("available", e.Sizes.Available) })
            {
                var el = xml.Element(n);
                if (el is null) { el = new XElement(n); (xml.Element("uuid") ?? xml.Element("name"))!.AddAfterSelf(el); }
                el.SetAttributeValue("unit", "bytes");
                el.Value = (e.Active ? v : 0).ToString();
            }
        }
        return SafeXml.Format(xml);
    }

    public IPoolBackend BackendOf(PoolEntry e) => backends.For(e.Definition.Type);

    /// <summary>
    /// Runs an operation on a pool under its lock. Failures of tools and of the file system reach the caller
    /// in their own words with the pool named, never as an empty 500.
    /// </summary>
    public Task<T> WithPoolAsync<T>(string key, Func<PoolEntry, IPoolBackend, Task<T>> op) => WithPoolAsync(Lookup(key), op);

    /// <summary>As <see cref="WithPoolAsync{T}(string, Func{PoolEntry, IPoolBackend, Task{T}})"/>, for a pool already found.</summary>
    public async Task<T> WithPoolAsync<T>(PoolEntry e, Func<PoolEntry, IPoolBackend, Task<T>> op)
    {
        await e.OpLock.WaitAsync();
        try { return await op(e, BackendOf(e)); }
        catch (Vireo.Host.Processes.ProcessFailedException ex)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"storage pool '{e.Name}': {ex.Message}");
        }
        catch (Vireo.Host.Files.PathEscapeException ex)
        {
            throw new VireoException(ErrorCode.OperationInvalid, $"storage pool '{e.Name}': {ex.Message}");
        }
        catch (IOException ex)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"storage pool '{e.Name}': {ex.Message}");
        }
        finally { e.OpLock.Release(); }
    }
}
