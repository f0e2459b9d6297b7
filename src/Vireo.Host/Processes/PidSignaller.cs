using Vireo.Host.Interop;

namespace Vireo.Host.Processes;

/// <summary>
/// Sends signals to one process through a pidfd. After the process exits its pid may be given to another
/// process; the pidfd still names the one it was opened on, so a late SIGKILL can never hit a stranger.
/// </summary>
public sealed class PidSignaller : IDisposable
{
    private readonly object _gate = new();
    private readonly int _fd;
    private bool _disposed;

    private PidSignaller(int pid, int fd)
    {
        Pid = pid;
        _fd = fd;
    }

    public int Pid { get; }

    /// <summary>Opens a pidfd on <paramref name="pid"/>; null if no such process exists.</summary>
    public static PidSignaller? Open(int pid)
    {
        var fd = Pidfd.Open(pid);
        return fd < 0 ? null : new PidSignaller(pid, fd);
    }

    /// <summary>Sends <paramref name="signal"/>; false if the process has exited and been reaped, or this handle was disposed.</summary>
    public bool Send(int signal)
    {
        // Under the lock, so Dispose cannot close the descriptor (and a new one reuse its number) mid-call.
        lock (_gate) return !_disposed && Pidfd.SendSignal(_fd, signal);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            LibC.close(_fd);
        }
    }
}
