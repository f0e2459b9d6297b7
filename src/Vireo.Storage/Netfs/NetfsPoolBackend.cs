using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Facts;
using Vireo.Host.Processes;
using Vireo.Storage.Dir;
using Vireo.Storage.Fs;

namespace Vireo.Storage.Netfs;

/// <summary>
/// libvirt's 'netfs' pool: an NFS export, CIFS share or GlusterFS volume mounted on the target
/// directory (with the pool's mount options); volumes are files on the mount.
/// </summary>
public sealed class NetfsPoolBackend(IProcessRunner runner, KernelFeatures kernel, ILogger logger) : DirPoolBackend(logger)
{
    public override string Type => "netfs";

    /// <summary>mount's file system type for the pool's format ('auto' means NFS, as in libvirt).</summary>
    public static string FsType(StoragePoolDefinition p) => p.SourceFormat switch
    {
        null or "auto" or "nfs" => "nfs",
        "glusterfs" => "glusterfs",
        "cifs" => "cifs",
        var f => throw new VireoException(ErrorCode.ConfigUnsupported, $"netfs format '{f}' is not supported (nfs, glusterfs, cifs)"),
    };

    /// <summary>The mount source: host:/dir (nfs), host:/volume (glusterfs), //host/share (cifs).</summary>
    public static string MountSource(StoragePoolDefinition p)
    {
        var host = p.SourceHosts[0].Name;
        var dir = p.SourceDir ?? p.SourceName ?? "";
        return FsType(p) switch
        {
            "cifs" => $"//{host}/{dir.TrimStart('/')}",
            "glusterfs" => $"{host}:/{dir.TrimStart('/')}",
            _ => $"{host}:{(dir.StartsWith('/') ? dir : "/" + dir)}",
        };
    }

    /// <summary>The options libvirt passes, then the pool's own fs:mount_opts.</summary>
    public static IReadOnlyList<string> MountOptions(StoragePoolDefinition p)
    {
        var o = new List<string>();
        switch (FsType(p))
        {
            case "nfs" when p.SourceProtocolVersion is { } ver: o.Add($"nfsvers={ver}"); break;
            case "glusterfs": o.Add("direct-io-mode=1"); break;
            case "cifs": o.Add("guest"); break;
        }
        o.AddRange(p.MountOptions);
        return o;
    }

    public override async Task StartAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var target = TargetOf(p);
        var fsType = FsType(p);
        if (!Directory.Exists(target)) throw new VireoException(ErrorCode.OperationFailed, $"cannot mount on '{target}': No such directory (run 'vireo pool-build {p.Name}')");
        if (FsPoolBackend.IsMounted(target)) return;
        // glusterfs mounts through FUSE; NFS and CIFS need the kernel's own client.
        var kernelFs = fsType == "glusterfs" ? "fuse" : fsType;
        if (!kernel.CanMount(kernelFs))
            throw new VireoException(ErrorCode.OperationFailed,
                $"cannot start netfs pool '{p.Name}': this kernel cannot mount {fsType.ToUpperInvariant()} (no '{kernelFs}' in /proc/filesystems)" +
                (fsType == "nfs" ? "; QEMU can still reach NFS itself: use a network disk <source protocol='nfs'>" : ""));
        var options = MountOptions(p);
        string[] opt = options.Count > 0 ? ["-o", string.Join(',', options)] : [];
        Log.Mounting(Logger, p.Name, MountSource(p), target);
        await runner.RunAsync(["mount", "-t", fsType, .. opt, MountSource(p), target], ct: ct);
    }

    public override async Task StopAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var target = TargetOf(p);
        if (!FsPoolBackend.IsMounted(target)) return;
        Log.Unmounting(Logger, p.Name, target);
        await runner.RunAsync(["umount", target], ct: ct);
    }

    /// <summary>pool-delete removes the (unmounted, empty) mount point.</summary>
    public override Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        if (FsPoolBackend.IsMounted(TargetOf(p))) throw new VireoException(ErrorCode.OperationInvalid, $"'{TargetOf(p)}' is still mounted");
        return base.DeleteAsync(p, ct);
    }
}
