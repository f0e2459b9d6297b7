using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>
/// pool-start, pool-destroy, pool-build, pool-delete, pool-refresh and pool-create. A start that fails after
/// its backend started (the first refresh, the active mark) stops the backend again through a Rollback, so
/// the pool is left inactive with nothing mounted or logged in; pool-create forgets the pool it added.
/// </summary>
public sealed class PoolLifecycle(PoolRegistry pools, PoolStore store, ILogger<PoolLifecycle> logger)
{
    public Task<PoolSnapshot> StartAsync(string key, CancellationToken ct) => StartAsync(pools.Lookup(key), ct);

    private Task<PoolSnapshot> StartAsync(PoolEntry entry, CancellationToken ct) => pools.WithPoolAsync(entry, async (e, b) =>
    {
        await StartCoreAsync(e, b, ct);
        return pools.Snapshot(e);
    });

    private Task StartCoreAsync(PoolEntry e, IPoolBackend b, CancellationToken ct)
    {
        if (e.Active) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is already active");
        return Log.PoolOperationAsync(logger, e.Name, "start", async () =>
        {
            await using var undo = Log.Undo(logger, e.Name);
            var def = e.Definition;
            await b.StartAsync(def, ct);
            undo.Add($"stop storage pool '{e.Name}'", () => b.StopAsync(def, CancellationToken.None));
            await e.RefreshAsync(b, ct);
            store.MarkActive(def);
            e.Active = true;
            undo.Commit();
            return 0;
        });
    }

    public Task<PoolSnapshot> DestroyAsync(string key, CancellationToken ct) => pools.WithPoolAsync(key, async (e, b) =>
    {
        PoolChecks.RequireActive(e);
        await b.StopAsync(e.Definition, ct);
        e.Active = false;
        store.ClearActive(e.Name);
        Log.Stopped(logger, e.Name);
        var snapshot = pools.Snapshot(e);
        pools.RemoveTransient(e);
        return snapshot;
    });

    public Task<PoolSnapshot> BuildAsync(string key, BuildMode mode, CancellationToken ct) => BuildAsync(pools.Lookup(key), mode, ct);

    private Task<PoolSnapshot> BuildAsync(PoolEntry entry, BuildMode mode, CancellationToken ct) => pools.WithPoolAsync(entry, async (e, b) =>
    {
        PoolChecks.RequireInactive(e, "pool-build");
        PoolChecks.Require(b, PoolCapabilities.Build, e, "pool-build");
        await Log.PoolOperationAsync(logger, e.Name, "build", async () =>
        {
            await b.BuildAsync(e.Definition, mode, ct);
            return 0;
        });
        return pools.Snapshot(e);
    });

    public Task<PoolSnapshot> DeleteAsync(string key, CancellationToken ct) => pools.WithPoolAsync(key, async (e, b) =>
    {
        PoolChecks.RequireInactive(e, "pool-delete");
        PoolChecks.Require(b, PoolCapabilities.Delete, e, "pool-delete");
        await Log.PoolOperationAsync(logger, e.Name, "delete", async () =>
        {
            await b.DeleteAsync(e.Definition, ct);
            return 0;
        });
        return pools.Snapshot(e);
    });

    public Task<PoolSnapshot> RefreshAsync(string key, CancellationToken ct) => pools.WithPoolAsync(key, async (e, b) =>
    {
        PoolChecks.RequireActive(e);
        await Log.PoolOperationAsync(logger, e.Name, "refresh", async () =>
        {
            await e.RefreshAsync(b, ct);
            return 0;
        });
        return pools.Snapshot(e);
    });

    /// <summary>pool-create: a transient pool, defined, built if asked, and started in one step; gone once destroyed or if any step fails.</summary>
    public async Task<PoolSnapshot> CreateAsync(string xml, BuildMode? build, CancellationToken ct)
    {
        var (e, replaced) = pools.Add(StoragePoolDefinition.Parse(xml), persistent: false);
        await using var undo = Log.Undo(logger, e.Name);
        undo.Add($"forget transient pool '{e.Name}'", () => pools.Restore(e, replaced));
        if (build is { } mode) await BuildAsync(e, mode, ct);
        await StartAsync(e, ct);
        undo.Commit();
        return pools.Snapshot(e);
    }

    /// <summary>Starts a pool at vireod start-up (it was running, or is marked autostart).</summary>
    internal Task StartAtBootAsync(PoolEntry e, CancellationToken ct) => StartAsync(e, ct);
}
