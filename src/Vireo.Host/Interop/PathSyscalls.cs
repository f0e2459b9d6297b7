using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

/// <summary>
/// The syscalls that resolve and open paths without being led astray (openat2 and friends), with their C names.
/// Kept apart from <see cref="LibC"/> so its constants do not collide with other users of open(2).
/// </summary>
public static partial class PathSyscalls
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    // These two differ between x86_64 and the asm-generic layout arm64 uses.
    public static readonly int O_DIRECTORY = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;
    public static readonly int O_NOFOLLOW = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_BENEATH = 0x08;

    public const int ENOENT = 2;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EFBIG = 27;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int ENOSYS = 38;

    /// <summary>openat2's number is the same on every architecture (it came after the syscall table unification).</summary>
    private const long SYS_openat2 = 437;

    /// <summary>struct open_how.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong flags;
        public ulong mode;
        public ulong resolve;
    }

    [LibraryImport("libc", EntryPoint = "syscall", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial long syscall_openat2(long number, int dirfd, string path, ref OpenHow how, nuint size);

    /// <summary>openat2(2): -1 with errno set on failure (ENOSYS before Linux 5.6).</summary>
    public static int openat2(int dirfd, string path, ref OpenHow how) =>
        (int)syscall_openat2(SYS_openat2, dirfd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int openat(int dirfd, string path, int flags, uint mode);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint realpath_native(string path, nint resolved);

    [LibraryImport("libc")]
    private static partial void free(nint ptr);

    /// <summary>realpath(3): every symlink, '.' and '..' resolved; null (errno set) when the path does not exist.</summary>
    public static string? realpath(string path)
    {
        var p = realpath_native(path, 0);
        if (p == 0) return null;
        try { return Marshal.PtrToStringUTF8(p); }
        finally { free(p); }
    }
}
