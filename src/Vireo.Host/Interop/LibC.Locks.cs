using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

public static partial class LibC
{
    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;
    private const int F_OFD_GETLK = 36;
    private const int F_OFD_SETLK = 37;
    private const short F_WRLCK = 1;
    private const short F_UNLCK = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock // struct flock on x86_64 and arm64
    {
        public short l_type;
        public short l_whence;
        public long l_start;
        public long l_len;
        public int l_pid;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open_mode(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int fcntl_lock(int fd, int cmd, ref Flock lk);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    /// <summary>
    /// True if another open file description holds a write lock on <paramref name="path"/> — how QEMU
    /// (qemu_write_pidfile) and vireod mark a pid file as belonging to a live process. False if the file
    /// does not exist.
    /// </summary>
    public static bool IsWriteLocked(string path)
    {
        var fd = open_mode(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) return false;
        try
        {
            var lk = new Flock { l_type = F_WRLCK };
            if (fcntl_lock(fd, F_OFD_GETLK, ref lk) != 0)
                throw new IOException($"cannot test the lock on '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            return lk.l_type != F_UNLCK;
        }
        finally { close(fd); }
    }

    /// <summary>
    /// Opens (creating, 0600) <paramref name="path"/> and takes an exclusive OFD write lock on it, held until
    /// the returned descriptor is closed or the process dies. Returns -1 if someone else holds it.
    /// </summary>
    public static int TryLockFile(string path)
    {
        var fd = open_mode(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0b110_000_000);
        if (fd < 0)
            throw new IOException($"cannot open '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var lk = new Flock { l_type = F_WRLCK };
        if (fcntl_lock(fd, F_OFD_SETLK, ref lk) == 0) return fd;
        close(fd);
        return -1;
    }

    /// <summary>fsync(2) of a directory, so a rename or unlink in it survives a power loss.</summary>
    public static void SyncDirectory(string dir)
    {
        var fd = open_mode(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
            throw new IOException($"cannot open directory '{dir}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (fsync(fd) != 0)
                throw new IOException($"cannot sync directory '{dir}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally { close(fd); }
    }
}
