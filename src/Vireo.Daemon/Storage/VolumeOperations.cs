using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Core.Storage;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>
/// vol-create (-as, -from), vol-clone, vol-delete, vol-wipe and vol-resize, each under its pool's lock and
/// followed by a refresh. A new volume whose pool cannot be read back afterwards is removed again (Rollback):
/// the request failed, so nothing is left on disk. Volumes a running guest uses are not deleted or wiped.
/// </summary>
public sealed class VolumeOperations(PoolRegistry pools, PoolVolumes volumes, GuestPathPolicy pathPolicy, Domains.IDiskUsers diskUsers,
    ILogger<VolumeOperations> logger)
{
    /// <param name="fromPool">the pool of <paramref name="fromVolume"/>, when it is another one</param>
    /// <param name="fromVolume">the volume to copy (vol-create-from, vol-clone); null for a new one</param>
    public Task<PoolVolume> CreateAsync(string pool, string xml, string? fromPool, string? fromVolume, bool preallocMetadata, CancellationToken ct)
    {
        var def = StorageVolumeDefinition.Parse(xml);
        var from = fromVolume is null ? null : volumes.Find(fromPool ?? pool, fromVolume).Volume;
        return pools.WithPoolAsync(pool, async (e, b) =>
        {
            PoolChecks.RequireActive(e);
            PoolChecks.Require(b, PoolCapabilities.CreateVolume, e, "creating volumes");
            if (e.Volumes.Any(v => v.Name == def.Name))
                throw new VireoException(ErrorCode.OperationFailed, $"storage volume '{def.Name}' exists already in pool '{e.Name}'");
            var spec = new VolumeSpec(WithBackingVolume(e, def), from, preallocMetadata, pathPolicy);
            return await Log.VolumeOperationAsync(logger, e.Name, def.Name, from is null ? "create" : $"clone from '{from.Name}'", async () =>
            {
                await using var undo = Log.Undo(logger, e.Name);
                var made = await b.CreateVolumeAsync(e.Definition, spec, null, ct);
                undo.Add($"delete volume '{made.Name}'", () => b.DeleteVolumeAsync(e.Definition, made, CancellationToken.None));
                await e.RefreshAsync(b, ct);
                undo.Commit();
                return new PoolVolume(e.Name, made);
            });
        });
    }

    /// <summary>--backing-vol may name a volume of this pool instead of a path: it becomes that volume's path and format.</summary>
    private static StorageVolumeDefinition WithBackingVolume(PoolEntry e, StorageVolumeDefinition def)
    {
        if (def.BackingPath is not { } bp || bp.StartsWith('/')) return def;
        var backing = e.Volumes.FirstOrDefault(v => v.Name == bp)
            ?? throw new VireoException(ErrorCode.NoStorageVolume, $"backing volume '{bp}' not found in pool '{e.Name}'");
        var store = def.Xml.Element("backingStore")!;
        store.Element("path")!.Value = backing.Path;
        if (store.Element("format") is null) store.Add(new XElement("format", new XAttribute("type", backing.Format)));
        return StorageVolumeDefinition.Parse(def.ToXml());
    }

    public Task DeleteAsync(string? pool, string key, CancellationToken ct)
    {
        var (p, v) = volumes.Find(pool, key);
        return pools.WithPoolAsync(p, async (e, b) =>
        {
            PoolChecks.Require(b, PoolCapabilities.DeleteVolume, e, "deleting volumes");
            if (diskUsers.RunningDomainsUsing(v.Path) is { Count: > 0 } users)
                throw new VireoException(ErrorCode.OperationInvalid,
                    $"storage volume '{v.Name}' is in use by running domain{(users.Count > 1 ? "s" : "")} {string.Join(", ", users.Select(u => $"'{u}'"))}");
            await b.DeleteVolumeAsync(e.Definition, v, ct);
            Log.VolumeDeleted(logger, e.Name, v.Name);
            await e.RefreshAsync(b, ct);
            return 0;
        });
    }

    public Task<PoolVolume> WipeAsync(string? pool, string key, CancellationToken ct)
    {
        var (p, v) = volumes.Find(pool, key);
        return pools.WithPoolAsync(p, (e, b) =>
        {
            PoolChecks.Require(b, PoolCapabilities.WipeVolume, e, "vol-wipe");
            if (diskUsers.RunningDomainsUsing(v.Path) is { Count: > 0 } users)
                throw new VireoException(ErrorCode.OperationInvalid, $"storage volume '{v.Name}' is in use by running domain '{users[0]}'");
            return Log.VolumeOperationAsync(logger, e.Name, v.Name, "wipe", async () =>
            {
                await b.WipeVolumeAsync(e.Definition, v, ct);
                await e.RefreshAsync(b, ct);
                return new PoolVolume(e.Name, e.Volumes.First(x => x.Path == v.Path));
            });
        });
    }

    /// <summary>vol-resize: an absolute size or (delta) a change; shrinking needs the shrink flag, as in virsh.</summary>
    public Task<PoolVolume> ResizeAsync(string? pool, string key, VolumeResize r, CancellationToken ct)
    {
        if (r.Capacity < 0 && !r.Delta)
            throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: capacity {r.Capacity} must not be negative (use --delta --shrink to make a volume smaller)");
        var (p, v) = volumes.Find(pool, key);
        return pools.WithPoolAsync(p, async (e, b) =>
        {
            PoolChecks.Require(b, PoolCapabilities.ResizeVolume, e, "vol-resize");
            var target = TargetCapacity(v, r);
            await b.ResizeVolumeAsync(e.Definition, v, target, r.Shrink, ct);
            await e.RefreshAsync(b, ct);
            return new PoolVolume(e.Name, e.Volumes.First(x => x.Path == v.Path));
        });
    }

    private static long TargetCapacity(VolumeRecord v, VolumeResize r)
    {
        long target;
        try { target = r.Delta ? checked(v.Capacity + r.Capacity) : r.Capacity; }
        catch (OverflowException) { throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: volume '{v.Name}' ({v.Capacity} bytes) cannot grow by {r.Capacity} bytes: the size would overflow"); }
        if (target < 0) throw new VireoException(ErrorCode.InvalidArgument, $"cannot shrink volume '{v.Name}' below zero");
        if (target < v.Capacity && !r.Shrink)
            throw new VireoException(ErrorCode.InvalidArgument,
                $"Can't shrink capacity below current capacity unless shrink flag explicitly specified (volume '{v.Name}' is {v.Capacity} bytes, asked for {target})");
        if (target < v.Allocation && v.Format == "raw" && !r.Shrink)
            throw new VireoException(ErrorCode.InvalidArgument, $"Can't shrink capacity below current allocation of volume '{v.Name}'");
        return target;
    }
}
