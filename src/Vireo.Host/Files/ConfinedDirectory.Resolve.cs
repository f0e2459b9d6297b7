using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Vireo.Host.Interop;

namespace Vireo.Host.Files;

public sealed partial class ConfinedDirectory
{
    private SafeFileHandle LocateBeneath(string relative)
    {
        var how = new PathSyscalls.OpenHow
        {
            flags = (ulong)(PathSyscalls.O_PATH | PathSyscalls.O_CLOEXEC),
            resolve = PathSyscalls.RESOLVE_BENEATH | PathSyscalls.RESOLVE_NO_MAGICLINKS,
        };
        var fd = PathSyscalls.openat2((int)_dir.DangerousGetHandle(), relative, ref how);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        throw Unresolved(relative, Marshal.GetLastPInvokeError());
    }

    /// <summary>Without openat2: one O_PATH|O_NOFOLLOW open per component, so no symlink is followed anywhere.</summary>
    private SafeFileHandle LocateByWalk(string relative)
    {
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        SafeFileHandle? current = null;
        try
        {
            for (var i = 0; i < parts.Length; i++)
            {
                if (parts[i] == "..") throw new PathEscapeException($"'{relative}' leads outside '{Path}'");
                if (parts[i] == "." && i < parts.Length - 1) continue;
                var last = i == parts.Length - 1;
                var flags = PathSyscalls.O_PATH | PathSyscalls.O_NOFOLLOW | PathSyscalls.O_CLOEXEC | (last ? 0 : PathSyscalls.O_DIRECTORY);
                var fd = PathSyscalls.openat((int)(current ?? _dir).DangerousGetHandle(), parts[i], flags, 0);
                if (fd < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    // A symlink where a directory is needed fails with ELOOP or ENOTDIR under O_NOFOLLOW.
                    if (errno is PathSyscalls.ELOOP or PathSyscalls.ENOTDIR && FileStatus.At(current ?? _dir, parts[i])?.Kind == FileKind.Symlink)
                        throw Escape(relative);
                    throw Unresolved(relative, errno);
                }
                var next = new SafeFileHandle(fd, ownsHandle: true);
                current?.Dispose();
                current = next;
            }
            if (current is null) throw new PathEscapeException($"'{relative}' is not a name inside '{Path}'");
            if (FileStatus.Of(current).Kind == FileKind.Symlink) throw Escape(relative);
            var found = current;
            current = null;
            return found;
        }
        finally { current?.Dispose(); }
    }

    private PathEscapeException Escape(string relative) =>
        new($"'{relative}' in '{Path}' is a symbolic link, which is not followed on this kernel (no openat2)");

    private IOException Unresolved(string relative, int errno) => errno switch
    {
        // RESOLVE_BENEATH reports a path leading out (an absolute symlink, '..' above the start) as EXDEV,
        // and a /proc magic link as ELOOP.
        PathSyscalls.EXDEV or PathSyscalls.ELOOP => new PathEscapeException($"'{relative}' leads outside '{Path}' (a symbolic link pointing out of it is not followed)"),
        PathSyscalls.ENOENT or PathSyscalls.ENOTDIR => new FileNotFoundException($"'{relative}' does not exist in '{Path}'", System.IO.Path.Combine(Path, relative)),
        _ => new IOException($"cannot open '{relative}' in '{Path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno),
    };
}
