using Vireo.Host.Interop;

namespace Vireo.Host.Processes;

/// <summary>
/// Waits for a process that is not necessarily our child to exit, through a pidfd, which
/// becomes readable the moment the process dies (zombie or not). kill(pid, 0) cannot tell a
/// zombie from a live process, and a pid can be reused; a pidfd cannot be fooled by either.
/// </summary>
public sealed class PidWatcher : IDisposable
{
    private readonly int _fd;
    private int _disposed;

    private PidWatcher(int pid, int fd)
    {
        Pid = pid;
        _fd = fd;
    }

    public int Pid { get; }

    /// <summary>Opens a pidfd; returns null if the process no longer exists.</summary>
    public static PidWatcher? Open(int pid)
    {
        var fd = LibC.pidfd_open(pid);
        return fd < 0 ? null : new PidWatcher(pid, fd);
    }

    /// <summary>True if the process has exited (a zombie counts as exited).</summary>
    public unsafe bool HasExited(int timeoutMs = 0)
    {
        var pfd = new LibC.PollFd { fd = _fd, events = LibC.POLLIN };
        var r = LibC.poll(&pfd, 1, timeoutMs);
        return r > 0;
    }

    /// <summary>Completes when the process exits. Polls in short slices on a dedicated thread so cancellation is prompt.</summary>
    public Task WaitForExitAsync(CancellationToken ct = default) =>
        Task.Factory.StartNew(() =>
        {
            while (!ct.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
                if (HasExited(250)) return;
            ct.ThrowIfCancellationRequested();
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>True if a process with this pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        using var w = Open(pid);
        return w is not null && !w.HasExited();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) LibC.close(_fd);
    }
}
