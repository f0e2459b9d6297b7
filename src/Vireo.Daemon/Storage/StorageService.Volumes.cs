using System.Xml.Linq;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Core.Xml;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

public sealed partial class StorageService
{
    private static VolumeSummary Summary(PoolEntry e, VolumeRecord v) => new()
    {
        Name = v.Name, Pool = e.Name, Key = v.Key, Path = v.Path, Type = v.Type, Format = v.Format,
        Capacity = v.Capacity, Allocation = v.Allocation, BackingPath = v.BackingPath,
        Physical = v.Physical ?? v.Capacity,
    };

    public List<VolumeSummary> ListVolumes(string pool)
    {
        var e = Lookup(pool);
        RequireActive(e);
        return e.Volumes.Select(v => Summary(e, v)).ToList();
    }

    /// <summary>A volume by name within a pool, or (pool null) by key or path in any active pool, as virsh resolves it.</summary>
    public (PoolEntry Pool, VolumeRecord Volume) LookupVolume(string? pool, string key)
    {
        if (pool is not null)
        {
            var e = Lookup(pool);
            RequireActive(e);
            var v = e.Volumes.FirstOrDefault(v => v.Name == key || v.Key == key || v.Path == key)
                ?? throw new VireoException(ErrorCode.NoStorageVolume, $"Storage volume not found: no storage vol with matching name '{key}'");
            return (e, v);
        }
        foreach (var e in _pools.Values.Where(p => p.Active))
            if (e.Volumes.FirstOrDefault(v => v.Key == key || v.Path == key) is { } v) return (e, v);
        throw new VireoException(ErrorCode.NoStorageVolume, $"Storage volume not found: no storage vol with matching path '{key}'");
    }

    VolumeSource Domains.IVolumeResolver.Resolve(string pool, string volume) => ResolveVolume(pool, volume);

    /// <summary>For &lt;disk type='volume'&gt;: the file a pool's volume is, and its format.</summary>
    public VolumeSource ResolveVolume(string pool, string volume)
    {
        var (e, v) = LookupVolume(pool, volume);
        if (v.Type == "network" && backends.For(e.Definition.Type) is INetworkVolumes net)
        {
            var (protocol, name) = net.SourceOf(e.Definition, v);
            return new VolumeSource("network", v.Format, null, protocol, name, e.Definition.SourceHosts, e.Definition.Auth);
        }
        return new VolumeSource(v.Type == "block" ? "block" : "file", v.Format, v.Path);
    }

    public VolumeSummary GetVolume(string? pool, string key)
    {
        var (e, v) = LookupVolume(pool, key);
        return Summary(e, v);
    }

    /// <summary>vol-dumpxml, in libvirt's layout for a file volume.</summary>
    public string VolumeXml(string? pool, string key)
    {
        var (e, v) = LookupVolume(pool, key);
        var target = new XElement("target", new XElement("path", v.Path), new XElement("format", new XAttribute("type", v.Format)));
        // File pools read the mode when they refresh, inside the pool (a link out of it is never looked up);
        // devices of the other pools are asked now.
        var mode = backends.For(e.Definition.Type) is IVolumeFiles ? v.Mode
            : Vireo.Host.Files.FileStatus.Of(v.Path) is { } st ? (int)st.Mode : null;
        if (mode is { } m) target.Add(new XElement("permissions", new XElement("mode", "0" + Convert.ToString(m, 8))));
        var xml = new XElement("volume", new XAttribute("type", v.Type),
            new XElement("name", v.Name),
            new XElement("key", v.Key),
            new XElement("capacity", new XAttribute("unit", "bytes"), v.Capacity),
            new XElement("allocation", new XAttribute("unit", "bytes"), v.Allocation),
            target);
        if (v.BackingPath is { } bp)
            xml.Add(new XElement("backingStore", new XElement("path", bp), new XElement("format", new XAttribute("type", v.BackingFormat ?? "raw"))));
        return SafeXml.Format(xml);
    }

    public Task<VolumeSummary> CreateVolumeAsync(string pool, string xml, string? fromPool, string? fromVolume, bool preallocMetadata, CancellationToken ct)
    {
        var def = StorageVolumeDefinition.Parse(xml);
        VolumeRecord? from = null;
        if (fromVolume is not null) from = LookupVolume(fromPool ?? pool, fromVolume).Volume;
        return WithPoolAsync(pool, async (e, b) =>
        {
            RequireActive(e);
            Require(b, PoolCapabilities.CreateVolume, e, "creating volumes");
            if (e.Volumes.Any(v => v.Name == def.Name))
                throw new VireoException(ErrorCode.OperationFailed, $"storage volume '{def.Name}' exists already in pool '{e.Name}'");
            if (def.BackingPath is { } bp && !bp.StartsWith('/'))
            {
                // --backing-vol may name a volume of this pool instead of a path.
                var backing = e.Volumes.FirstOrDefault(v => v.Name == bp)
                    ?? throw new VireoException(ErrorCode.NoStorageVolume, $"backing volume '{bp}' not found in pool '{e.Name}'");
                def.Xml.Element("backingStore")!.Element("path")!.Value = backing.Path;
                if (def.Xml.Element("backingStore")!.Element("format") is null)
                    def.Xml.Element("backingStore")!.Add(new XElement("format", new XAttribute("type", backing.Format)));
                def = StorageVolumeDefinition.Parse(def.ToXml());
            }
            var made = await b.CreateVolumeAsync(e.Definition, new VolumeSpec(def, from, preallocMetadata, PathPolicy), null, ct);
            await RefreshCoreAsync(e, b, ct);
            return Summary(e, made);
        });
    }

    public Task DeleteVolumeAsync(string? pool, string key, CancellationToken ct)
    {
        var (p, v) = LookupVolume(pool, key);
        return WithPoolAsync(p.Name, async (e, b) =>
        {
            Require(b, PoolCapabilities.DeleteVolume, e, "deleting volumes");
            if (DomainsUsing(v.Path) is { Count: > 0 } users)
                throw new VireoException(ErrorCode.OperationInvalid,
                    $"storage volume '{v.Name}' is in use by running domain{(users.Count > 1 ? "s" : "")} {string.Join(", ", users.Select(u => $"'{u}'"))}");
            await b.DeleteVolumeAsync(e.Definition, v, ct);
            await RefreshCoreAsync(e, b, ct);
            return 0;
        });
    }

    public Task<VolumeSummary> WipeVolumeAsync(string? pool, string key, CancellationToken ct)
    {
        var (p, v) = LookupVolume(pool, key);
        return WithPoolAsync(p.Name, async (e, b) =>
        {
            Require(b, PoolCapabilities.WipeVolume, e, "vol-wipe");
            if (DomainsUsing(v.Path) is { Count: > 0 } users)
                throw new VireoException(ErrorCode.OperationInvalid, $"storage volume '{v.Name}' is in use by running domain '{users[0]}'");
            await b.WipeVolumeAsync(e.Definition, v, ct);
            await RefreshCoreAsync(e, b, ct);
            return Summary(e, e.Volumes.First(x => x.Path == v.Path));
        });
    }

    /// <summary>vol-resize: an absolute size or (delta) a change; shrinking needs the shrink flag, as in virsh.</summary>
    public Task<VolumeSummary> ResizeVolumeAsync(string? pool, string key, VolumeResizeRequest r, CancellationToken ct)
    {
        if (r.Capacity < 0 && !r.Delta)
            throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: capacity {r.Capacity} must not be negative (use --delta --shrink to make a volume smaller)");
        var (p, v) = LookupVolume(pool, key);
        return WithPoolAsync(p.Name, async (e, b) =>
        {
            Require(b, PoolCapabilities.ResizeVolume, e, "vol-resize");
            long target;
            try { target = r.Delta ? checked(v.Capacity + r.Capacity) : r.Capacity; }
            catch (OverflowException) { throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: volume '{v.Name}' ({v.Capacity} bytes) cannot grow by {r.Capacity} bytes: the size would overflow"); }
            if (target < 0) throw new VireoException(ErrorCode.InvalidArgument, $"cannot shrink volume '{v.Name}' below zero");
            if (target < v.Capacity && !r.Shrink)
                throw new VireoException(ErrorCode.InvalidArgument,
                    $"Can't shrink capacity below current capacity unless shrink flag explicitly specified (volume '{v.Name}' is {v.Capacity} bytes, asked for {target})");
            if (target < v.Allocation && v.Format == "raw" && !r.Shrink)
                throw new VireoException(ErrorCode.InvalidArgument, $"Can't shrink capacity below current allocation of volume '{v.Name}'");
            await b.ResizeVolumeAsync(e.Definition, v, target, r.Shrink, ct);
            await RefreshCoreAsync(e, b, ct);
            return Summary(e, e.Volumes.First(x => x.Path == v.Path));
        });
    }
}
