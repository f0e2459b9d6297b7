using Vireo.Core.Errors;
using Vireo.Host.Interop;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// One vireod per root: an exclusive lock on ROOT/run/vireo/vireod.lock, held for the daemon's life and
/// dropped by the kernel when it dies, however it dies. Two daemons on one root would each start the same
/// domain's QEMU and rewrite each other's state.
/// </summary>
public sealed class RootLock : IDisposable
{
    private int _fd;

    private RootLock(int fd) => _fd = fd;

    public static RootLock Acquire(string runDir)
    {
        Directory.CreateDirectory(runDir);
        var path = Path.Combine(runDir, "vireod.lock");
        var fd = LibC.TryLockFile(path);
        if (fd < 0)
        {
            var pid = File.Exists(Path.Combine(runDir, "vireod.pid")) ? File.ReadAllText(Path.Combine(runDir, "vireod.pid")).Trim() : "?";
            throw new VireoException(ErrorCode.OperationInvalid, $"another vireod (pid {pid}) is running with this root ({path} is locked)");
        }
        return new RootLock(fd);
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LibC.close(fd);
    }
}
