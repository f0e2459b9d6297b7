using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Host.Interop;

/// <summary>A file's owner, group, type and permission bits, as statx(2) reports them.</summary>
public readonly record struct FileStatus(uint Uid, uint Gid, uint Mode)
{
    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFBLK = 0x6000, S_IFCHR = 0x2000,
        S_IFIFO = 0x1000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000;

    public bool IsRegularFile => (Mode & S_IFMT) == S_IFREG;
    public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;
    public bool IsBlockDevice => (Mode & S_IFMT) == S_IFBLK;

    /// <summary>The permission bits (rwx for owner, group, others; setuid, setgid, sticky).</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);

    /// <summary>What the file is, in the words ls and stat use ("regular file", "fifo", ...).</summary>
    public string TypeName => (Mode & S_IFMT) switch
    {
        S_IFREG => "regular file",
        S_IFDIR => "directory",
        S_IFBLK => "block device",
        S_IFCHR => "character device",
        S_IFIFO => "fifo",
        S_IFSOCK => "socket",
        S_IFLNK => "symbolic link",
        _ => "file of unknown type",
    };
}

public static partial class LibC
{
    /// <summary>The start of struct statx (the layout is the same on every architecture); the kernel fills 256 bytes.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
    }

    private static class StatxCall
    {
        public const int AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000;
        public const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_UID = 0x8, STATX_GID = 0x10;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxNative(int dirfd, string path, int flags, uint mask, out StatxBuffer buf);

    /// <summary>statx(2) of a path (symbolic links followed). Throws an IOException naming the path.</summary>
    public static FileStatus StatFile(string path) => Statx(StatxCall.AT_FDCWD, path, 0, path);

    /// <summary>statx(2) of an open file: what was opened, not what the path names now.</summary>
    public static FileStatus StatFile(SafeFileHandle file, string pathForErrors)
    {
        var added = false;
        file.DangerousAddRef(ref added);
        try { return Statx((int)file.DangerousGetHandle(), "", StatxCall.AT_EMPTY_PATH, pathForErrors); }
        finally { if (added) file.DangerousRelease(); }
    }

    private static FileStatus Statx(int dirfd, string path, int flags, string pathForErrors)
    {
        const uint mask = StatxCall.STATX_TYPE | StatxCall.STATX_MODE | StatxCall.STATX_UID | StatxCall.STATX_GID;
        if (StatxNative(dirfd, path, flags, mask, out var b) != 0)
            throw new IOException($"cannot stat '{pathForErrors}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return new FileStatus(b.Uid, b.Gid, b.Mode);
    }
}
