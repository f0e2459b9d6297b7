using Vireo.Host.Interop;
using Vireo.Host.Processes;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Launch;

/// <summary>Why a QEMU process went away.</summary>
public enum QemuExitReason { Shutdown, Reboot, Destroyed, Crashed }

public sealed record QemuExit(QemuExitReason Reason, string Detail);

/// <summary>
/// A running QEMU: its pid (watched through a pidfd), its QMP connection, and the task that
/// completes when it exits, with the reason taken from the last SHUTDOWN event.
/// </summary>
public sealed class QemuInstance : IAsyncDisposable
{
    private readonly PidWatcher _watcher;
    private readonly Action<string> _log;
    private readonly TaskCompletionSource<QemuExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _shutdownReason;
    private volatile bool _destroying;

    private QemuInstance(int pid, PidWatcher watcher, QmpClient qmp, Action<string> log)
    {
        Pid = pid;
        _watcher = watcher;
        Qmp = qmp;
        _log = log;
    }

    public int Pid { get; }
    public QmpClient Qmp { get; }

    /// <summary>QMP events other than the ones the instance consumes itself.</summary>
    public event Action<QmpEvent>? EventReceived;

    /// <summary>Completes the moment QEMU is gone.</summary>
    public Task<QemuExit> Exited => _exited.Task;

    /// <summary>Connects to a QEMU by pid and QMP socket: after a launch, or after vireod restarted.</summary>
    public static async Task<QemuInstance> AttachAsync(int pid, string qmpSocket, Action<string> log, CancellationToken ct = default)
    {
        var watcher = PidWatcher.Open(pid) ?? throw new InvalidOperationException($"QEMU process {pid} does not exist");
        if (watcher.HasExited())
        {
            watcher.Dispose();
            throw new InvalidOperationException($"QEMU process {pid} has exited");
        }
        QmpClient qmp;
        try
        {
            qmp = await ConnectWithRetryAsync(qmpSocket, log, ct);
        }
        catch
        {
            watcher.Dispose();
            throw;
        }
        var instance = new QemuInstance(pid, watcher, qmp, log);
        instance.Watch();
        return instance;
    }

    private static async Task<QmpClient> ConnectWithRetryAsync(string socket, Action<string> log, CancellationToken ct)
    {
        // The socket exists before QEMU daemonizes, so one try normally suffices; a few
        // retries cover a previous vireod whose connection QEMU has not dropped yet.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                return await QmpClient.ConnectAsync(socket, log, timeout.Token);
            }
            catch (Exception e) when (attempt < 20 && e is System.Net.Sockets.SocketException or OperationCanceledException or QmpDisconnectedException)
            {
                if (ct.IsCancellationRequested) throw;
                await Task.Delay(100, ct);
            }
        }
    }

    private void Watch()
    {
        _ = Task.Run(async () =>
        {
            await foreach (var ev in Qmp.Events.ReadAllAsync())
            {
                if (ev.Name == "SHUTDOWN")
                    _shutdownReason = (string?)ev.Data?["reason"] ?? "unknown";
                EventReceived?.Invoke(ev);
            }
        });
        _ = Task.Run(async () =>
        {
            await _watcher.WaitForExitAsync();
            // Let the QMP reader drain a final SHUTDOWN event before deciding why QEMU went away.
            await Qmp.Closed.WaitAsync(TimeSpan.FromMilliseconds(500)).ContinueWith(_ => { });
            var status = ChildReaper.TryReap(Pid);
            ChildReaper.ReapOrphans();
            _exited.TrySetResult(Classify(status));
        });
    }

    private QemuExit Classify(int? waitStatus)
    {
        var how = waitStatus is { } s ? ChildReaper.Decode(s) switch
        {
            (true, var code) => $"exit status {code}",
            (false, var sig) => $"killed by signal {sig}",
        } : "exit status unknown (not our child)";
        if (_destroying) return new(QemuExitReason.Destroyed, how);
        return _shutdownReason switch
        {
            "guest-shutdown" or "host-qmp-quit" or "host-signal" or "host-ui" => new(QemuExitReason.Shutdown, $"{_shutdownReason}, {how}"),
            "guest-reset" or "host-qmp-system-reset" => new(QemuExitReason.Reboot, $"{_shutdownReason}, {how}"),
            "guest-panic" => new(QemuExitReason.Crashed, $"guest panicked, {how}"),
            _ => new(QemuExitReason.Crashed, $"QEMU exited without a shutdown event, {how}"),
        };
    }

    /// <summary>
    /// Stops QEMU with SIGTERM (which lets it flush disks), then SIGKILL after the grace period
    /// unless <paramref name="graceful"/>. Returns as soon as the process is gone.
    /// </summary>
    public async Task<QemuExit> DestroyAsync(bool graceful, TimeSpan grace, CancellationToken ct = default)
    {
        _destroying = true;
        _log($"destroying QEMU pid {Pid}{(graceful ? " (graceful)" : "")}");
        LibC.kill(Pid, LibC.SIGTERM);
        var done = await Task.WhenAny(Exited, Task.Delay(grace, ct));
        if (done != Exited)
        {
            if (graceful)
                throw new Core.Errors.VireoException(Core.Errors.ErrorCode.OperationTimeout,
                    $"QEMU pid {Pid} did not exit within {grace.TotalSeconds:0} s of SIGTERM; retry without --graceful to force it");
            LibC.kill(Pid, LibC.SIGKILL);
        }
        return await Exited;
    }

    public async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync();
        _watcher.Dispose();
    }
}
