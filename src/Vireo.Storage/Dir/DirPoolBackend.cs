using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Core.Paths;
using Vireo.Core.Storage;
using Vireo.Host.Interop;
using Vireo.Storage.Files;

namespace Vireo.Storage.Dir;

/// <summary>A directory of image files (libvirt's 'dir' pool). Also the base of the fs and netfs pools, which mount first.</summary>
public class DirPoolBackend(ILogger logger) : IPoolBackend, IVolumeFiles
{
    protected ILogger Logger => logger;

    public virtual string Type => "dir";

    public virtual PoolCapabilities Capabilities =>
        PoolCapabilities.Build | PoolCapabilities.Delete | PoolCapabilities.CreateVolume | PoolCapabilities.DeleteVolume |
        PoolCapabilities.ResizeVolume | PoolCapabilities.WipeVolume | PoolCapabilities.UploadDownload;

    protected static string TargetOf(StoragePoolDefinition pool) =>
        pool.TargetPath ?? throw new VireoException(ErrorCode.XmlValidation, $"storage pool '{pool.Name}' has no <target><path>");

    /// <summary>pool-build for a directory: create it with the permissions the XML asks for.</summary>
    public virtual async Task BuildAsync(StoragePoolDefinition pool, BuildMode mode, CancellationToken ct)
    {
        await using var undo = Log.Undo(logger, pool.Name);
        BuildTarget(pool, undo);
        undo.Commit();
    }

    /// <summary>
    /// The target directory, and the parents it needs, with the pool's permissions. Whatever this made is
    /// removed again when a later step of the build fails.
    /// </summary>
    protected static void BuildTarget(StoragePoolDefinition pool, Rollback undo)
    {
        var path = TargetOf(pool);
        var missing = new Stack<string>();
        for (var dir = path; !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!) missing.Push(dir);
        foreach (var dir in missing)
        {
            Directory.CreateDirectory(dir);
            undo.Add($"remove directory '{dir}'", () => Directory.Delete(dir));
        }
        FileVolumes.ApplyPermissions(path, pool.TargetPermissions ?? new Permissions(Convert.ToInt32("755", 8), null, null, null));
    }

    public virtual Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var path = TargetOf(pool);
        if (!Directory.Exists(path))
            throw new VireoException(ErrorCode.OperationFailed,
                $"cannot open directory '{path}': No such file or directory (run 'vireo pool-build {pool.Name}' to create it)");
        return Task.CompletedTask;
    }

    public virtual Task StopAsync(StoragePoolDefinition pool, CancellationToken ct) => Task.CompletedTask;

    public virtual Task DeleteAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var path = TargetOf(pool);
        if (!Directory.Exists(path)) return Task.CompletedTask;
        if (Directory.EnumerateFileSystemEntries(path).Any())
            throw new VireoException(ErrorCode.OperationInvalid, $"cannot delete storage pool '{pool.Name}': directory '{path}' is not empty");
        Directory.Delete(path);
        return Task.CompletedTask;
    }

    public virtual Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var path = TargetOf(pool);
        var (cap, alloc, avail) = LibC.FileSystemSizes(path);
        return Task.FromResult<(PoolSizes, IReadOnlyList<VolumeRecord>)>((new PoolSizes(cap, alloc, avail), FileVolumes.Scan(path)));
    }

    public virtual Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition pool, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct) =>
        FileVolumes.CreateAsync(TargetOf(pool), spec, progress, logger, ct);

    public virtual Task DeleteVolumeAsync(StoragePoolDefinition pool, VolumeRecord volume, CancellationToken ct)
    {
        FileVolumes.Delete(volume);
        return Task.CompletedTask;
    }

    public virtual Task ResizeVolumeAsync(StoragePoolDefinition pool, VolumeRecord volume, long capacity, bool shrink, CancellationToken ct) =>
        FileVolumes.ResizeAsync(volume, capacity, shrink, ct);

    public virtual Task WipeVolumeAsync(StoragePoolDefinition pool, VolumeRecord volume, CancellationToken ct) => FileVolumes.WipeAsync(volume, ct);

    public SafeFileHandle OpenVolume(VolumeRecord volume, FileAccess access) => FileVolumes.Open(volume, access);

    public string? BackingProblem(VolumeRecord volume, GuestPathPolicy policy) => FileVolumes.BackingProblem(volume, policy);
}
