using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Core.Storage;
using Vireo.Daemon.Hosting;
using Vireo.Daemon.State;
using Vireo.Host.Files;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>
/// Storage pools and their volumes. Definitions live in ROOT/etc/vireo/storage/NAME.xml, autostart
/// marks in ROOT/etc/vireo/autostart/storage/NAME, and a pool that is running has a mark in
/// ROOT/run/vireo/storage/NAME so a restarted vireod knows it is still active.
/// </summary>
public sealed partial class StorageService(VireoPaths paths, PoolBackends backends, GuestPathPolicy pathPolicy, Domains.IDiskUsers diskUsers,
    ILogger<StorageService> logger) : Domains.IVolumeResolver
{
    private readonly ConcurrentDictionary<string, PoolEntry> _pools = new();

    /// <summary>Where backing files of volumes may lie: the guest path policy, since a clone or download hands them out.</summary>
    public GuestPathPolicy PathPolicy => pathPolicy;
    private readonly object _defineLock = new();

    /// <summary>Names of running domains that use a path, so a volume in use is not deleted under them.</summary>
    private IReadOnlyList<string> DomainsUsing(string path) => diskUsers.RunningDomainsUsing(path);

    private string ConfigPath(string name) => Path.Combine(paths.PoolConfigDir, name + ".xml");
    private string AutostartPath(string name) => Path.Combine(paths.AutostartDir, "storage", name);
    private string ActiveMark(string name) => Path.Combine(paths.RunDir, "storage", name);

    public async Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(paths.AutostartDir, "storage"));
        Directory.CreateDirectory(Path.Combine(paths.RunDir, "storage"));
        foreach (var f in Directory.EnumerateFiles(paths.PoolConfigDir, "*.xml").Order())
        {
            var def = StoragePoolDefinition.Parse(File.ReadAllText(f));
            _pools[def.Name] = new PoolEntry(def, persistent: true);
        }
        var marker = Path.Combine(paths.PoolConfigDir, ".initialized");
        if (!File.Exists(marker))
        {
            // First start: libvirt's 'default' pool, a directory under the root, started and autostarted.
            if (!_pools.ContainsKey("default"))
            {
                Define($"<pool type='dir'><name>default</name><target><path>{paths.ImagesDir}</path></target></pool>");
                SetAutostart("default", true);
            }
            AtomicFile.WriteAllText(marker, "");
        }
        foreach (var e in _pools.Values.ToList())
        {
            if (!File.Exists(ActiveMark(e.Name)) && !IsAutostart(e.Name)) continue;
            try { await StartAsync(e.Name, ct); }
            catch (VireoException ex) { logger.LogError("storage pool {Name} could not be started: {Message}", e.Name, ex.Message); }
        }
    }

    public PoolEntry Lookup(string key)
    {
        if (_pools.TryGetValue(key, out var e)) return e;
        if (Guid.TryParse(key, out var u) && _pools.Values.FirstOrDefault(p => p.Definition.Uuid == u) is { } byUuid) return byUuid;
        throw new VireoException(ErrorCode.NoStoragePool, $"Storage pool not found: no storage pool with matching name '{key}'");
    }

    private bool IsAutostart(string name) => File.Exists(AutostartPath(name));

    public PoolSummary Summary(PoolEntry e) => new()
    {
        Name = e.Name, Uuid = e.Definition.Uuid.ToString(), Type = e.Definition.Type,
        State = e.Active ? "running" : "inactive", Autostart = IsAutostart(e.Name), Persistent = e.Persistent,
        Capacity = e.Active ? e.Sizes.Capacity : 0, Allocation = e.Active ? e.Sizes.Allocation : 0, Available = e.Active ? e.Sizes.Available : 0,
        TargetPath = e.Definition.TargetPath,
    };

    public List<PoolSummary> List() => _pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(Summary).ToList();

    public PoolSummary Get(string key) => Summary(Lookup(key));

    /// <summary>pool-dumpxml: the definition, with the live sizes libvirt writes into it.</summary>
    public string GetXml(string key, bool inactive)
    {
        var e = Lookup(key);
        var xml = new System.Xml.Linq.XElement(e.Definition.Xml);
        if (!inactive)
        {
            foreach (var (n, v) in new[] { ("capacity", e.Sizes.Capacity), ("allocation", e.Sizes.Allocation), ("available", e.Sizes.Available) })
            {
                var el = xml.Element(n);
                if (el is null) { el = new System.Xml.Linq.XElement(n); (xml.Element("uuid") ?? xml.Element("name"))!.AddAfterSelf(el); }
                el.SetAttributeValue("unit", "bytes");
                el.Value = (e.Active ? v : 0).ToString();
            }
        }
        return Core.Xml.SafeXml.Format(xml);
    }

    public PoolSummary Define(string xml) => Summary(DefineCore(xml, persistent: true));

    private PoolEntry DefineCore(string xml, bool persistent)
    {
        var def = StoragePoolDefinition.Parse(xml);
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
            if (persistent) AtomicFile.WriteAllText(ConfigPath(def.Name), def.ToXml(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (existing is not null) { existing.Definition = def; existing.Persistent |= persistent; return existing; }
            var e = new PoolEntry(def, persistent);
            _pools[def.Name] = e;
            return e;
        }
    }

    /// <summary>pool-create: a transient pool, defined and started in one step; gone once destroyed.</summary>
    public async Task<PoolSummary> CreateAsync(string xml, BuildMode? build, CancellationToken ct)
    {
        var e = DefineCore(xml, persistent: false);
        try
        {
            if (build is { } mode) await BuildAsync(e.Name, mode, ct);
            await StartAsync(e.Name, ct);
        }
        catch
        {
            _pools.TryRemove(e.Name, out _);
            throw;
        }
        return Summary(e);
    }

    public async Task UndefineAsync(string key)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try
        {
            if (e.Active) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is still active");
            File.Delete(ConfigPath(e.Name));
            File.Delete(AutostartPath(e.Name));
            _pools.TryRemove(e.Name, out _);
        }
        finally { e.OpLock.Release(); }
    }

    public void SetAutostart(string key, bool enabled)
    {
        var e = Lookup(key);
        if (!e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"cannot set autostart for transient pool '{e.Name}'");
        if (enabled) AtomicFile.WriteAllText(AutostartPath(e.Name), ConfigPath(e.Name) + "\n");
        else File.Delete(AutostartPath(e.Name));
    }

    private async Task<T> WithPoolAsync<T>(string key, Func<PoolEntry, IPoolBackend, Task<T>> op)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try { return await op(e, backends.For(e.Definition.Type)); }
        catch (Vireo.Host.Processes.ProcessFailedException ex)
        {
            // The tool's own words, with the pool named.
            throw new VireoException(ErrorCode.OperationFailed, $"storage pool '{e.Name}': {ex.Message}");
        }
        catch (Vireo.Host.Files.PathEscapeException ex)
        {
            throw new VireoException(ErrorCode.OperationInvalid, $"storage pool '{e.Name}': {ex.Message}");
        }
        catch (IOException ex)
        {
            // The file system's words (permission denied, no space left), with the pool named: never an empty 500.
            throw new VireoException(ErrorCode.OperationFailed, $"storage pool '{e.Name}': {ex.Message}");
        }
        finally { e.OpLock.Release(); }
    }

    private static void RequireActive(PoolEntry e)
    {
        if (!e.Active) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is not active");
    }

    private static void RequireInactive(PoolEntry e, string what)
    {
        if (e.Active) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is already active ({what} needs it stopped)");
    }

    private static void Require(IPoolBackend b, PoolCapabilities cap, PoolEntry e, string what)
    {
        if ((b.Capabilities & cap) == 0)
            throw new VireoException(ErrorCode.NotSupported, $"storage pool type '{e.Definition.Type}' does not support {what} (pool '{e.Name}')");
    }

    public Task<PoolSummary> BuildAsync(string key, BuildMode mode, CancellationToken ct) => WithPoolAsync(key, async (e, b) =>
    {
        RequireInactive(e, "pool-build");
        Require(b, PoolCapabilities.Build, e, "pool-build");
        await b.BuildAsync(e.Definition, mode, ct);
        return Summary(e);
    });

    public Task<PoolSummary> StartAsync(string key, CancellationToken ct) => WithPoolAsync(key, async (e, b) =>
    {
        if (e.Active) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is already active");
        await b.StartAsync(e.Definition, ct);
        try { await RefreshCoreAsync(e, b, ct); }
        catch
        {
            await b.StopAsync(e.Definition, ct);
            throw;
        }
        e.Active = true;
        AtomicFile.WriteAllText(ActiveMark(e.Name), "");
        return Summary(e);
    });

    public Task<PoolSummary> DestroyAsync(string key, CancellationToken ct) => WithPoolAsync(key, async (e, b) =>
    {
        RequireActive(e);
        await b.StopAsync(e.Definition, ct);
        e.Active = false;
        File.Delete(ActiveMark(e.Name));
        var summary = Summary(e);
        if (!e.Persistent) _pools.TryRemove(e.Name, out _);
        return summary;
    });

    public Task<PoolSummary> DeleteAsync(string key, CancellationToken ct) => WithPoolAsync(key, async (e, b) =>
    {
        RequireInactive(e, "pool-delete");
        Require(b, PoolCapabilities.Delete, e, "pool-delete");
        await b.DeleteAsync(e.Definition, ct);
        return Summary(e);
    });

    public Task<PoolSummary> RefreshAsync(string key, CancellationToken ct) => WithPoolAsync(key, async (e, b) =>
    {
        RequireActive(e);
        await RefreshCoreAsync(e, b, ct);
        return Summary(e);
    });

    private static async Task RefreshCoreAsync(PoolEntry e, IPoolBackend b, CancellationToken ct)
    {
        var (sizes, volumes) = await b.RefreshAsync(e.Definition, ct);
        e.Sizes = sizes;
        e.Volumes = volumes;
    }

    public IEnumerable<string> Capabilities() => backends.All.Select(b => b.Type);

    /// <summary>find-storage-pool-sources(-as): what a backend's scan finds, as libvirt's &lt;sources&gt; XML.</summary>
    public async Task<string> FindSourcesAsync(string type, string? host, int? port, string? initiator, CancellationToken ct)
    {
        try { return await backends.Finder(type).FindSourcesAsync(host, port, initiator, ct); }
        catch (Vireo.Host.Processes.ProcessFailedException ex) { throw new VireoException(ErrorCode.OperationFailed, $"finding {type} sources failed: {ex.Message}"); }
    }
}
