using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;
using Vireo.Host.Files;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>
/// The volumes of running pools, as the last refresh saw them: vol-list, vol-info, vol-dumpxml, virsh's lookup by
/// name, key or path, and what a &lt;disk type='volume'&gt; becomes when its guest starts.
/// </summary>
public sealed class PoolVolumes(PoolRegistry pools) : Domains.IVolumeResolver
{
    public IReadOnlyList<PoolVolume> List(string pool)
    {
        var e = pools.Lookup(pool);
        PoolChecks.RequireActive(e);
        return e.Volumes.Select(v => new PoolVolume(e.Name, v)).ToList();
    }

    public PoolVolume Get(string? pool, string key)
    {
        var (e, v) = Find(pool, key);
        return new PoolVolume(e.Name, v);
    }

    /// <summary>A volume by name (or key, or path) within a pool, or (pool null) by key or path in any active pool, as virsh resolves it.</summary>
    public (PoolEntry Pool, VolumeRecord Volume) Find(string? pool, string key)
    {
        if (pool is not null)
        {
            var e = pools.Lookup(pool);
            PoolChecks.RequireActive(e);
            var v = e.Volumes.FirstOrDefault(v => v.Name == key || v.Key == key || v.Path == key)
                ?? throw new VireoException(ErrorCode.NoStorageVolume, $"Storage volume not found: no storage vol with matching name '{key}'");
            return (e, v);
        }
        foreach (var e in pools.Entries.Where(p => p.Active))
            if (e.Volumes.FirstOrDefault(v => v.Key == key || v.Path == key) is { } v) return (e, v);
        throw new VireoException(ErrorCode.NoStorageVolume, $"Storage volume not found: no storage vol with matching path '{key}'");
    }

    /// <summary>For &lt;disk type='volume'&gt;: the file, device or network disk a pool's volume is, and its format.</summary>
    public VolumeSource Resolve(string pool, string volume)
    {
        var (e, v) = Find(pool, volume);
        if (v.Type == "network" && pools.BackendOf(e) is INetworkVolumes net)
        {
            var (protocol, name) = net.SourceOf(e.Definition, v);
            return new VolumeSource("network", v.Format, null, protocol, name, e.Definition.SourceHosts, e.Definition.Auth);
        }
        return new VolumeSource(v.Type == "block" ? "block" : "file", v.Format, v.Path);
    }

    /// <summary>vol-dumpxml, in libvirt's layout.</summary>
    public string GetXml(string? pool, string key)
    {
        var (e, v) = Find(pool, key);
        var target = new XElement("target", new XElement("path", v.Path), new XElement("format", new XAttribute("type", v.Format)));
        // File pools read the mode when they refresh, inside the pool (a link out of it is never looked up);
        // devices of the other pools are asked now.
        var mode = pools.BackendOf(e) is IVolumeFiles ? v.Mode
            : FileStatus.Of(v.Path) is { } st ? (int)st.Mode : null;
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
}
