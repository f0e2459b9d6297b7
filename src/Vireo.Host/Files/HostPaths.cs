using Microsoft.Win32.SafeHandles;
using Vireo.Host.Interop;

namespace Vireo.Host.Files;

/// <summary>Where a path really leads, with every symlink resolved.</summary>
public static class HostPaths
{
    /// <summary>
    /// The canonical form of an absolute path. A file that does not exist yet (a log QEMU will create) gets
    /// the canonical form of its longest existing parent with the rest appended, as virt-aa-helper does; a
    /// dangling symlink leads where it points, since creating the file through it would create that.
    /// </summary>
    public static string Resolve(string path) => Resolve(path, 0);

    private static string Resolve(string path, int depth)
    {
        if (PathSyscalls.realpath(path) is { } real) return real;
        var cut = path.TrimEnd('/').Length;
        while (cut > 0)
        {
            var prefix = path[..cut];
            if (FileStatus.Of(prefix, followSymlinks: false) is { } entry)
            {
                if (entry.Kind == FileKind.Symlink && depth < 40 && new FileInfo(prefix).ResolveLinkTarget(false) is { } target)
                    return Resolve(target.FullName + path[cut..], depth + 1);
                return (PathSyscalls.realpath(prefix) ?? prefix).TrimEnd('/') + path[cut..];
            }
            cut = path.LastIndexOf('/', cut - 1);
        }
        return path;
    }

    /// <summary>
    /// Opens any host file for I/O (symlinks followed: callers check the policy against <see cref="Of"/>). It must be
    /// a regular file or, if allowed, a block device; anything else is refused before it is opened, so a FIFO never blocks.
    /// </summary>
    public static SafeFileHandle OpenFile(string path, FileAccess access, bool allowBlockDevice = false)
    {
        var fd = PathSyscalls.openat(PathSyscalls.AT_FDCWD, path, PathSyscalls.O_PATH | PathSyscalls.O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            var message = $"cannot open '{path}': {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno == PathSyscalls.ENOENT ? new FileNotFoundException(message, path) : new IOException(message, errno);
        }
        using var located = new SafeFileHandle(fd, ownsHandle: true);
        var status = FileStatus.Of(located);
        if (status.Kind != FileKind.Regular && !(allowBlockDevice && status.Kind == FileKind.BlockDevice))
            throw new IOException($"'{path}' is {FileStatus.Describe(status.Kind)}, not a regular file");
        var flags = access switch { FileAccess.Read => PathSyscalls.O_RDONLY, FileAccess.Write => PathSyscalls.O_WRONLY, _ => PathSyscalls.O_RDWR };
        return ConfinedDirectory.Reopen(located, flags | PathSyscalls.O_NOCTTY | PathSyscalls.O_NONBLOCK | PathSyscalls.O_CLOEXEC, path);
    }

    /// <summary>The path of the file an open descriptor refers to, as the kernel names it (symlinks resolved).</summary>
    public static string Of(SafeFileHandle handle) =>
        new FileInfo(ConfinedDirectory.ProcPath(handle)).LinkTarget
        ?? throw new IOException($"cannot read the path of descriptor {handle.DangerousGetHandle()}");
}
