using Microsoft.Win32.SafeHandles;
using Vireo.Host.Interop;

namespace Vireo.Host.Files;

/// <summary>What kind of thing a directory entry is.</summary>
public enum FileKind { Regular, Directory, Symlink, BlockDevice, CharDevice, Fifo, Socket, Other }

/// <summary>
/// statx(2) of a path or an open descriptor. Taking it never opens the file, so it never blocks on a
/// FIFO or wakes a device.
/// </summary>
public sealed record FileStatus(FileKind Kind, long Size, long AllocatedBytes, uint Mode, int Uid, int Gid, uint DeviceMajor, uint DeviceMinor)
{
    /// <summary>The status of <paramref name="path"/> (of a symlink itself when <paramref name="followSymlinks"/> is false); null if it does not exist.</summary>
    public static FileStatus? Of(string path, bool followSymlinks = true) =>
        Query(PathSyscalls.AT_FDCWD, path, followSymlinks ? 0 : PathSyscalls.AT_SYMLINK_NOFOLLOW, path);

    /// <summary>The status of the file an open descriptor refers to.</summary>
    public static FileStatus Of(SafeFileHandle handle) =>
        Query((int)handle.DangerousGetHandle(), "", PathSyscalls.AT_EMPTY_PATH, "descriptor")
        ?? throw new IOException("cannot stat an open descriptor: it vanished");

    /// <summary>The status of <paramref name="name"/> relative to a directory descriptor, never following a final symlink.</summary>
    public static FileStatus? At(SafeFileHandle dir, string name) =>
        Query((int)dir.DangerousGetHandle(), name, PathSyscalls.AT_SYMLINK_NOFOLLOW, name);

    private static FileStatus? Query(int dirfd, string path, int flags, string what)
    {
        // DONT_SYNC: a stat on a network file system answers from the cache instead of waiting for the server.
        if (PathSyscalls.statx(dirfd, path, flags | PathSyscalls.AT_STATX_DONT_SYNC, PathSyscalls.STATX_BASIC_STATS, out var st) != 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno is PathSyscalls.ENOENT or PathSyscalls.ENOTDIR) return null;
            throw new IOException($"cannot stat '{what}': {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
        return new FileStatus(KindOf(st.stx_mode), (long)st.stx_size, (long)st.stx_blocks * 512, st.stx_mode & 0xFFFu,
            (int)st.stx_uid, (int)st.stx_gid, st.stx_rdev_major, st.stx_rdev_minor);
    }

    private static FileKind KindOf(uint mode) => (mode & PathSyscalls.S_IFMT) switch
    {
        PathSyscalls.S_IFREG => FileKind.Regular,
        PathSyscalls.S_IFDIR => FileKind.Directory,
        PathSyscalls.S_IFLNK => FileKind.Symlink,
        PathSyscalls.S_IFBLK => FileKind.BlockDevice,
        PathSyscalls.S_IFCHR => FileKind.CharDevice,
        PathSyscalls.S_IFIFO => FileKind.Fifo,
        PathSyscalls.S_IFSOCK => FileKind.Socket,
        _ => FileKind.Other,
    };

    /// <summary>How libvirt and ls name the kind, for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Symlink => "a symbolic link",
        FileKind.BlockDevice => "a block device",
        FileKind.CharDevice => "a character device",
        FileKind.Fifo => "a FIFO",
        FileKind.Socket => "a socket",
        _ => "a special file",
    };
}
