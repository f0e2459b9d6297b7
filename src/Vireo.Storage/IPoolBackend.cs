using Vireo.Core.Paths;
using Vireo.Core.Storage;

namespace Vireo.Storage;

/// <summary>What a backend can do, so the service refuses the rest with one clear message.</summary>
[Flags]
public enum PoolCapabilities
{
    None = 0,
    Build = 1,
    Delete = 2,
    CreateVolume = 4,
    DeleteVolume = 8,
    ResizeVolume = 16,
    WipeVolume = 32,
    UploadDownload = 64,
    FindSources = 128,
}

/// <summary>pool-build --overwrite / --no-overwrite; libvirt's default only builds where nothing is found.</summary>
public enum BuildMode { Default, Overwrite, NoOverwrite }

/// <summary>pool-info's sizes in bytes.</summary>
public sealed record PoolSizes(long Capacity, long Allocation, long Available);

/// <summary>A volume as the pool sees it now: what vol-info, vol-list and vol-dumpxml report.</summary>
/// <param name="Physical">the size on the host where it differs from the capacity (a qcow2 file's length)</param>
/// <param name="LeadsOutside">a symlink in a directory pool that points out of the pool: listed, as libvirt lists it, but never opened</param>
/// <param name="Mode">the permission bits of a file volume, read when the pool was refreshed</param>
public sealed record VolumeRecord(string Name, string Key, string Path, string Type, string Format, long Capacity, long Allocation,
    string? BackingPath = null, string? BackingFormat = null, long? Physical = null, bool LeadsOutside = false, int? Mode = null);

/// <summary>How to make a new volume (vol-create, vol-create-as, vol-create-from/vol-clone).</summary>
/// <param name="BackingPolicy">where backing files (of a clone's source, or a new volume's backing store) may lie; null: nowhere</param>
public sealed record VolumeSpec(StorageVolumeDefinition Definition, VolumeRecord? CloneFrom = null, bool PreallocMetadata = false,
    GuestPathPolicy? BackingPolicy = null);

/// <summary>One kind of storage pool. Backends are stateless: the service passes the definition each time.</summary>
public interface IPoolBackend
{
    string Type { get; }
    PoolCapabilities Capabilities { get; }
    Task BuildAsync(StoragePoolDefinition pool, BuildMode mode, CancellationToken ct);
    /// <summary>Makes the pool usable (mounts, checks the directory); fails naming what is missing.</summary>
    Task StartAsync(StoragePoolDefinition pool, CancellationToken ct);
    Task StopAsync(StoragePoolDefinition pool, CancellationToken ct);
    /// <summary>pool-delete: removes the pool's storage (the directory, the file system's mount point).</summary>
    Task DeleteAsync(StoragePoolDefinition pool, CancellationToken ct);
    Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition pool, CancellationToken ct);
    Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition pool, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct);
    Task DeleteVolumeAsync(StoragePoolDefinition pool, VolumeRecord volume, CancellationToken ct);
    Task ResizeVolumeAsync(StoragePoolDefinition pool, VolumeRecord volume, long capacity, bool shrink, CancellationToken ct);
    Task WipeVolumeAsync(StoragePoolDefinition pool, VolumeRecord volume, CancellationToken ct);
}
