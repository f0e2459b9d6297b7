using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Host.Interop;

/// <summary>
/// Opens the character device of a macvtap link (one queue per open) so QEMU gets a ready descriptor.
/// The kernel names the node /dev/tapIFINDEX, but ifindexes repeat across network namespaces and
/// there may be no udev: vireod makes its own node from the dev numbers in sysfs, opens it and
/// removes it again at once (the descriptor keeps the queue).
/// </summary>
public static partial class Macvtap
{
    private const int S_IFCHR = 0x2000;

    [LibraryImport("libc", EntryPoint = "mknod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mknod(string path, int mode, ulong dev);

    /// <summary>glibc's makedev(3).</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    /// <summary>"major:minor" of the macvtap link's character device, read from sysfs.</summary>
    public static (uint Major, uint Minor) DeviceNumbers(string ifname, string sysClassNet = "/sys/class/net")
    {
        var dir = Path.Combine(sysClassNet, ifname, "macvtap");
        if (!Directory.Exists(dir)) throw new IOException($"'{ifname}' is not a macvtap link ({dir} does not exist)");
        var tap = Directory.GetDirectories(dir, "tap*").FirstOrDefault() ?? throw new IOException($"macvtap link '{ifname}' has no character device in {dir}");
        var parts = File.ReadAllText(Path.Combine(tap, "dev")).Trim().Split(':');
        if (parts.Length != 2 || !uint.TryParse(parts[0], out var major) || !uint.TryParse(parts[1], out var minor))
            throw new IOException($"unexpected device number in {Path.Combine(tap, "dev")}");
        return (major, minor);
    }

    /// <summary>Opens one queue of macvtap link <paramref name="ifname"/>, with or without the virtio-net header.</summary>
    public static SafeFileHandle OpenQueue(string ifname, bool vnetHeader, string nodeDir, string sysClassNet = "/sys/class/net")
    {
        var (major, minor) = DeviceNumbers(ifname, sysClassNet);
        Directory.CreateDirectory(nodeDir);
        var node = Path.Combine(nodeDir, $"{ifname}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        if (mknod(node, S_IFCHR | 0x180 /* 0600 */, MakeDev(major, minor)) != 0)
            throw new IOException($"cannot create device node {major}:{minor} for '{ifname}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        SafeFileHandle handle;
        try { handle = File.OpenHandle(node, FileMode.Open, FileAccess.ReadWrite); }
        finally { File.Delete(node); }
        try { Tun.SetQueueFlags(handle, ifname, vnetHeader); }
        catch { handle.Dispose(); throw; }
        return handle;
    }
}
