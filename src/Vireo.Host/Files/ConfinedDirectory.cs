using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Vireo.Host.Interop;

namespace Vireo.Host.Files;

/// <summary>A name that leads out of its directory (a symlink pointing elsewhere, '..'): refused, never followed.</summary>
public sealed class PathEscapeException(string message) : IOException(message);

/// <summary>
/// A directory whose entries are opened without ever leaving it: every name is resolved relative to an
/// O_PATH handle on the directory with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so a symlink
/// pointing outside (or a '..') fails instead of being followed. Kernels without openat2 (before 5.6) get an
/// O_NOFOLLOW walk, one component at a time, which follows no symlink at all.
/// Files are first opened as O_PATH and checked with fstat, so a FIFO or device is refused without ever
/// being opened (an open of a FIFO blocks until a writer appears), then reopened through /proc/self/fd,
/// which pins the checked inode.
/// </summary>
public sealed partial class ConfinedDirectory : IDisposable
{
    private readonly SafeFileHandle _dir;
    private readonly bool _openat2;

    private ConfinedDirectory(string path, SafeFileHandle dir, bool openat2)
    {
        Path = path;
        _dir = dir;
        _openat2 = openat2;
    }

    /// <summary>The directory as it was named.</summary>
    public string Path { get; }

    /// <summary>False on kernels before 5.6 (or where a seccomp filter hides openat2): names are then walked with O_NOFOLLOW.</summary>
    public static bool Openat2Available { get; } = ProbeOpenat2();

    /// <param name="useOpenat2">False forces the O_NOFOLLOW walk (what kernels without openat2 get).</param>
    public static ConfinedDirectory Open(string path, bool useOpenat2 = true)
    {
        var fd = PathSyscalls.openat(PathSyscalls.AT_FDCWD, path, PathSyscalls.O_PATH | PathSyscalls.O_DIRECTORY | PathSyscalls.O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open directory '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
        return new ConfinedDirectory(path, new SafeFileHandle(fd, ownsHandle: true), useOpenat2 && Openat2Available);
    }

    /// <summary>A path through /proc that reopens exactly the file a descriptor refers to (for code that opens by name).</summary>
    public static string ProcPath(SafeFileHandle handle) => $"/proc/self/fd/{handle.DangerousGetHandle()}";

    /// <summary>The names of the entries, in ordinal order.</summary>
    public IReadOnlyList<string> Names() =>
        Directory.EnumerateFileSystemEntries(ProcPath(_dir)).Select(p => System.IO.Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The entry itself (a symlink is reported as one); null if there is none.</summary>
    public FileStatus? Lstat(string name) => FileStatus.At(_dir, CheckName(name));

    /// <summary>
    /// An O_PATH descriptor for <paramref name="relative"/>, following symlinks only while they stay inside.
    /// Throws <see cref="PathEscapeException"/> for a name that leads out, <see cref="FileNotFoundException"/> for none.
    /// </summary>
    public SafeFileHandle Locate(string relative)
    {
        if (relative.Length == 0 || relative.StartsWith('/'))
            throw new PathEscapeException($"'{relative}' is not a name inside '{Path}'");
        return _openat2 ? LocateBeneath(relative) : LocateByWalk(relative);
    }

    /// <summary>
    /// Opens a file inside for I/O. It must be a regular file (or, if allowed, a block device): a FIFO, socket,
    /// character device or directory is refused before it is opened.
    /// </summary>
    public SafeFileHandle OpenFile(string relative, FileAccess access, bool allowBlockDevice = false)
    {
        using var located = Locate(relative);
        var status = FileStatus.Of(located);
        if (status.Kind != FileKind.Regular && !(allowBlockDevice && status.Kind == FileKind.BlockDevice))
            throw new IOException($"'{relative}' in '{Path}' is {FileStatus.Describe(status.Kind)}, not a regular file");
        var flags = access switch { FileAccess.Read => PathSyscalls.O_RDONLY, FileAccess.Write => PathSyscalls.O_WRONLY, _ => PathSyscalls.O_RDWR };
        return Reopen(located, flags | PathSyscalls.O_NOCTTY | PathSyscalls.O_NONBLOCK | PathSyscalls.O_CLOEXEC, relative);
    }

    /// <summary>Creates a new file (never through an existing name or symlink) and opens it read-write.</summary>
    public SafeFileHandle CreateFile(string name, UnixFileMode mode)
    {
        var fd = PathSyscalls.openat((int)_dir.DangerousGetHandle(), CheckName(name),
            PathSyscalls.O_CREAT | PathSyscalls.O_EXCL | PathSyscalls.O_RDWR | PathSyscalls.O_NOFOLLOW | PathSyscalls.O_CLOEXEC, (uint)mode);
        if (fd < 0) throw Error("cannot create", name);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public void CreateDirectory(string name, UnixFileMode mode)
    {
        if (PathSyscalls.mkdirat((int)_dir.DangerousGetHandle(), CheckName(name), (uint)mode) != 0) throw Error("cannot create directory", name);
    }

    /// <summary>Removes a file or symlink entry (a symlink itself, never what it points to).</summary>
    public void Delete(string name)
    {
        if (PathSyscalls.unlinkat((int)_dir.DangerousGetHandle(), CheckName(name), 0) != 0) throw Error("cannot remove", name);
    }

    /// <summary>Removes an empty directory; a non-empty one fails with "Directory not empty", as rmdir does.</summary>
    public void DeleteDirectory(string name)
    {
        if (PathSyscalls.unlinkat((int)_dir.DangerousGetHandle(), CheckName(name), PathSyscalls.AT_REMOVEDIR) != 0) throw Error("cannot remove directory", name);
    }

    public void Dispose() => _dir.Dispose();

    private IOException Error(string what, string name)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} '{System.IO.Path.Combine(Path, name)}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>Entry names are one component: no '/', not '.' or '..'.</summary>
    private static string CheckName(string name) =>
        name.Length == 0 || name.Contains('/') || name is "." or ".." || name.Contains('\0')
            ? throw new PathEscapeException($"'{name}' is not a single file name")
            : name;

    internal static SafeFileHandle Reopen(SafeFileHandle located, int flags, string what)
    {
        var fd = PathSyscalls.openat(PathSyscalls.AT_FDCWD, ProcPath(located), flags, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open '{what}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static bool ProbeOpenat2()
    {
        var how = new PathSyscalls.OpenHow { flags = (ulong)(PathSyscalls.O_PATH | PathSyscalls.O_CLOEXEC) };
        var fd = PathSyscalls.openat2(PathSyscalls.AT_FDCWD, "/", ref how);
        if (fd < 0) return false;
        LibC.close(fd);
        return true;
    }
}
