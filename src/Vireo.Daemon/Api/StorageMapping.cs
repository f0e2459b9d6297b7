using Vireo.Contracts;
using Vireo.Daemon.Storage;

namespace Vireo.Daemon.Api;

/// <summary>Storage's types as the API's records: the services speak the one, the endpoints the other.</summary>
internal static class StorageMapping
{
    public static PoolSummary Pool(PoolSnapshot p) => new()
    {
        Name = p.Name, Uuid = p.Uuid.ToString(), Type = p.Type, State = p.Active ? "running" : "inactive", Autostart = p.Autostart,
        Persistent = p.Persistent, Capacity = p.Sizes.Capacity, Allocation = p.Sizes.Allocation, Available = p.Sizes.Available,
        TargetPath = p.TargetPath,
    };

    public static async Task<PoolSummary> PoolAsync(Task<PoolSnapshot> p) => Pool(await p);

    public static VolumeSummary Volume(PoolVolume pv) => new()
    {
        Name = pv.Volume.Name, Pool = pv.Pool, Key = pv.Volume.Key, Path = pv.Volume.Path, Type = pv.Volume.Type, Format = pv.Volume.Format,
        Capacity = pv.Volume.Capacity, Allocation = pv.Volume.Allocation, BackingPath = pv.Volume.BackingPath,
        Physical = pv.Volume.Physical ?? pv.Volume.Capacity,
    };

    public static async Task<VolumeSummary> VolumeAsync(Task<PoolVolume> v) => Volume(await v);

    public static VolumeResize Resize(VolumeResizeRequest r) => new(r.Capacity, r.Delta, r.Shrink);
}
