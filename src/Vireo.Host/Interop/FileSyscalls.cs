using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

/// <summary>
/// open, statx, fchmod, fchown and write with their C names, for files whose mode and group must be right from
/// the moment they exist (logs). Kept apart from <see cref="LibC"/> so its constants stay private.
/// </summary>
public static unsafe partial class FileSyscalls
{
    public const int O_WRONLY = 0x1;
    public const int O_CREAT = 0x40;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const uint S_IFMT = 0xF000;
    public const uint S_IFREG = 0x8000;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_UID = 0x8, STATX_GID = 0x10;

    /// <summary>O_NOFOLLOW: 0400000 on x86_64, 0100000 on arm64.</summary>
    public static int O_NOFOLLOW => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fchmod(int fd, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fchown(int fd, int owner, int group);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    /// <summary>File type and permission bits (st_mode), owner and group of an open descriptor.</summary>
    public readonly record struct FileStatus(uint Mode, int Uid, int Gid)
    {
        public bool IsRegular => (Mode & S_IFMT) == S_IFREG;
        public uint Permissions => Mode & 0xFFF;
    }

    /// <summary>statx(fd, "", AT_EMPTY_PATH): the layout of struct statx is the same on every architecture.</summary>
    public static bool TryFstat(int fd, out FileStatus status)
    {
        var buf = stackalloc byte[256];
        if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID, buf) != 0)
        {
            status = default;
            return false;
        }
        status = new FileStatus(*(ushort*)(buf + 28), *(int*)(buf + 20), *(int*)(buf + 24));
        return true;
    }

    /// <summary>The text of the last error (errno) of a call made through these imports.</summary>
    public static string LastError => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
}
