using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

public static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int chown(string path, int owner, int group);

    /// <summary>chown(2); -1 leaves the owner or group unchanged. Throws naming the path on failure.</summary>
    public static void Chown(string path, int owner, int group)
    {
        if (chown(path, owner, group) != 0)
            throw new IOException($"cannot change the owner of '{path}' to {owner}:{group}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfs // struct statvfs on x86_64 glibc
    {
        public ulong f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, f_fsid, f_flag, f_namemax;
        private unsafe fixed int __f_spare[6];
    }

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int statvfs(string path, out StatVfs buf);

    /// <summary>
    /// The file system holding <paramref name="path"/>: total, used and available bytes (what pool-info shows).
    /// Available counts the blocks reserved for root, as libvirt does: vireod writes volumes as root.
    /// </summary>
    public static (long Capacity, long Allocation, long Available) FileSystemSizes(string path)
    {
        if (statvfs(path, out var s) != 0)
            throw new IOException($"cannot statvfs '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var capacity = (long)(s.f_blocks * s.f_frsize);
        var free = (long)(s.f_bfree * s.f_frsize);
        return (capacity, capacity - free, free);
    }
}
