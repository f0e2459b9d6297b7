using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Core.Storage;
using Vireo.Host.Facts;
using Vireo.Host.Processes;
using Vireo.Storage.Files;
using Vireo.Storage.Fs;

namespace Vireo.Storage.Gluster;

/// <summary>
/// libvirt's 'gluster' pool: a GlusterFS volume (source name) and optional sub-directory. Vireo lists
/// and makes volumes through a private FUSE mount (libvirt uses libgfapi there); guests open their
/// disks as gluster:// network disks, through QEMU's own libgfapi driver.
/// </summary>
public sealed class GlusterPoolBackend(IProcessRunner runner, KernelFeatures kernel, string mountRoot, ILogger logger) : IPoolBackend, INetworkVolumes, IVolumeFiles
{
    public string Type => "gluster";
    public PoolCapabilities Capabilities => PoolCapabilities.CreateVolume | PoolCapabilities.DeleteVolume | PoolCapabilities.ResizeVolume |
        PoolCapabilities.WipeVolume | PoolCapabilities.UploadDownload;

    private string MountPoint(StoragePoolDefinition p) => Path.Combine(mountRoot, p.Name);
    private string Dir(StoragePoolDefinition p) => Path.Combine(MountPoint(p), (p.SourceDir ?? "").TrimStart('/'));
    private static string Volume(StoragePoolDefinition p) => p.SourceName!;

    public Task BuildAsync(StoragePoolDefinition p, BuildMode mode, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "gluster pools are built on the gluster side (gluster volume create)");

    /// <summary>The private mount point, the FUSE mount, and a check that the pool's directory is there; a failed step undoes the others.</summary>
    public async Task StartAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        if (!kernel.CanMount("fuse")) throw new VireoException(ErrorCode.OperationFailed, $"cannot start gluster pool '{p.Name}': no FUSE (/dev/fuse) on this host");
        var mnt = MountPoint(p);
        await using var undo = Log.Undo(logger, p.Name);
        if (!Directory.Exists(mnt))
        {
            Directory.CreateDirectory(mnt);
            undo.Add($"remove mount point '{mnt}'", () => RemoveEmpty(mnt));
        }
        if (!FsPoolBackend.IsMounted(mnt))
        {
            var source = $"{p.SourceHosts[0].Name}:/{Volume(p)}";
            Log.Mounting(logger, p.Name, source, mnt);
            await runner.RunAsync(["mount", "-t", "glusterfs", source, mnt], ct: ct);
            undo.Add($"unmount '{mnt}'", () => UnmountAsync(p, mnt, CancellationToken.None));
        }
        if (!Directory.Exists(Dir(p)))
            throw new VireoException(ErrorCode.OperationFailed, $"gluster volume '{Volume(p)}' has no directory '{p.SourceDir}'");
        undo.Commit();
    }

    public async Task StopAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var mnt = MountPoint(p);
        await UnmountAsync(p, mnt, ct);
        RemoveEmpty(mnt);
    }

    private async Task UnmountAsync(StoragePoolDefinition p, string mnt, CancellationToken ct)
    {
        if (!FsPoolBackend.IsMounted(mnt)) return;
        Log.Unmounting(logger, p.Name, mnt);
        await runner.RunAsync(["umount", mnt], ct: ct);
    }

    private static void RemoveEmpty(string dir)
    {
        if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
    }

    public Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "gluster pools are deleted on the gluster side (gluster volume delete)");

    public Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var (cap, alloc, avail) = Host.Interop.LibC.FileSystemSizes(MountPoint(p));
        // Volumes are network volumes: QEMU opens gluster://host/volume/dir/name itself.
        var vols = FileVolumes.Scan(Dir(p)).Select(v => v with { Type = v.Type == "dir" ? "netdir" : "network" }).ToList();
        return Task.FromResult<(PoolSizes, IReadOnlyList<VolumeRecord>)>((new PoolSizes(cap, alloc, avail), vols));
    }

    public (string Protocol, string Name) SourceOf(StoragePoolDefinition p, VolumeRecord v) =>
        ("gluster", $"{Volume(p)}/{Path.GetRelativePath(MountPoint(p), v.Path)}");

    private static VolumeRecord Local(VolumeRecord v) => v with { Type = v.Type == "netdir" ? "dir" : "file" };

    public async Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition p, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct)
    {
        var made = await FileVolumes.CreateAsync(Dir(p), spec with { CloneFrom = spec.CloneFrom is { } c ? Local(c) : null }, progress, logger, ct);
        return made with { Type = "network" };
    }

    public Task DeleteVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct)
    {
        FileVolumes.Delete(Local(v));
        return Task.CompletedTask;
    }

    public Task ResizeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, long capacity, bool shrink, CancellationToken ct) =>
        FileVolumes.ResizeAsync(Local(v), capacity, shrink, ct);

    public Task WipeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) => FileVolumes.WipeAsync(Local(v), ct);

    public SafeFileHandle OpenVolume(VolumeRecord v, FileAccess access) => FileVolumes.Open(Local(v), access);

    public string? BackingProblem(VolumeRecord v, GuestPathPolicy policy) => FileVolumes.BackingProblem(Local(v), policy);
}
