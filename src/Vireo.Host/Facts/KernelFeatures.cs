namespace Vireo.Host.Facts;

/// <summary>
/// Kernel features storage backends need, read from /proc, /sys and /dev under a root (a fake tree
/// in tests). This kernel may have no loadable modules, so a missing feature is reported, never loaded.
/// </summary>
public sealed class KernelFeatures(string root = "/")
{
    private string P(string path) => Path.Combine(root, path.TrimStart('/'));

    private bool InProcMisc(string name) =>
        File.Exists(P("/proc/misc")) && File.ReadLines(P("/proc/misc")).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() == name);

    /// <summary>LVM needs device-mapper (dm_mod).</summary>
    public bool DeviceMapper => File.Exists(P("/dev/mapper/control")) || Directory.Exists(P("/sys/module/dm_mod")) || InProcMisc("device-mapper");

    /// <summary>ZFS needs the zfs module and its /dev/zfs control node.</summary>
    public bool Zfs => File.Exists(P("/dev/zfs")) || Directory.Exists(P("/sys/module/zfs"));

    /// <summary>The kernel iSCSI initiator (iscsi_tcp) that iscsiadm drives.</summary>
    public bool IscsiInitiator => Directory.Exists(P("/sys/module/iscsi_tcp")) || Directory.Exists(P("/sys/class/iscsi_transport/tcp"));

    /// <summary>Whether the kernel can mount a file system type (listed in /proc/filesystems; FUSE ones need /dev/fuse).</summary>
    public bool CanMount(string fsType) =>
        fsType.StartsWith("fuse") ? File.Exists(P("/dev/fuse"))
        : File.Exists(P("/proc/filesystems")) && File.ReadLines(P("/proc/filesystems")).Any(l => l.Split('\t').Last().Trim() == fsType);
}
