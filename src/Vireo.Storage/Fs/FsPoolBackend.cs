using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Processes;
using Vireo.Storage.Dir;

namespace Vireo.Storage.Fs;

/// <summary>
/// libvirt's 'fs' pool: a block device with a file system, mounted on the target directory. pool-build
/// makes the mount point and the file system (mkfs), pool-start mounts it, pool-destroy unmounts it;
/// volumes are files.
/// </summary>
public sealed class FsPoolBackend(IProcessRunner runner, ILogger logger) : DirPoolBackend(logger)
{
    public static readonly IReadOnlyList<string> Formats = ["auto", "ext2", "ext3", "ext4", "xfs", "vfat", "btrfs"];

    public override string Type => "fs";

    private static string DeviceOf(StoragePoolDefinition pool) => pool.SourceDevices[0].Path;

    private static string FormatOf(StoragePoolDefinition pool)
    {
        var f = pool.SourceFormat ?? "auto";
        if (!Formats.Contains(f)) throw new VireoException(ErrorCode.ConfigUnsupported, $"file system format '{f}' is not supported ({string.Join(", ", Formats)})");
        return f;
    }

    /// <summary>The file system type blkid finds on the device, or null when it holds none.</summary>
    public async Task<string?> ProbeAsync(string device, CancellationToken ct)
    {
        var r = await runner.RunAsync(["blkid", "-o", "value", "-s", "TYPE", device], check: false, ct: ct);
        return r.ExitCode == 0 && r.Stdout.Trim() is { Length: > 0 } t ? t : null;
    }

    /// <summary>As libvirt: the mount point first, then the file system; a failed mkfs leaves no new directory behind.</summary>
    public override async Task BuildAsync(StoragePoolDefinition pool, BuildMode mode, CancellationToken ct)
    {
        var device = DeviceOf(pool);
        if (!File.Exists(device)) throw new VireoException(ErrorCode.OperationFailed, $"source device '{device}' of storage pool '{pool.Name}' does not exist");
        var format = FormatOf(pool);
        if (format == "auto") format = "ext4";
        var existing = await ProbeAsync(device, ct);
        // Without --overwrite libvirt refuses to destroy a file system it finds (and --no-overwrite says so explicitly).
        if (existing is not null && mode != BuildMode.Overwrite && (mode == BuildMode.NoOverwrite || existing != format))
            throw new VireoException(ErrorCode.OperationFailed,
                $"device '{device}' already holds a '{existing}' file system; use --overwrite to replace it");
        await using var undo = Log.Undo(Logger, pool.Name);
        BuildTarget(pool, undo);
        if (existing is null || mode == BuildMode.Overwrite)
        {
            string[] force = format switch { "xfs" or "btrfs" => ["-f"], "vfat" => [], _ => ["-F"] };
            Log.MakingFileSystem(Logger, pool.Name, format, device);
            await runner.RunAsync(["mkfs", "-t", format, .. force, device], ct: ct);
        }
        undo.Commit();
    }

    public override async Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var device = DeviceOf(pool);
        var target = TargetOf(pool);
        if (!File.Exists(device)) throw new VireoException(ErrorCode.OperationFailed, $"source device '{device}' of storage pool '{pool.Name}' does not exist");
        if (!Directory.Exists(target)) throw new VireoException(ErrorCode.OperationFailed, $"cannot mount on '{target}': No such directory (run 'vireo pool-build {pool.Name}')");
        if (IsMounted(target)) return;
        var format = FormatOf(pool);
        string[] type = format == "auto" ? [] : ["-t", format];
        Log.Mounting(Logger, pool.Name, device, target);
        await runner.RunAsync(["mount", .. type, device, target], ct: ct);
    }

    public override async Task StopAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var target = TargetOf(pool);
        if (!IsMounted(target)) return;
        Log.Unmounting(Logger, pool.Name, target);
        await runner.RunAsync(["umount", target], ct: ct);
    }

    public static bool IsMounted(string target)
    {
        var full = Path.GetFullPath(target).TrimEnd('/');
        // /proc/self/mounts escapes spaces and tabs as octal.
        return File.ReadLines("/proc/self/mounts")
            .Select(l => l.Split(' '))
            .Any(f => f.Length > 1 && f[1].Replace("\\040", " ").Replace("\\011", "\t") == full);
    }
}
