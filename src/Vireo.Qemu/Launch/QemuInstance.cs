using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Host.Processes;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Launch;

/// <summary>Why a QEMU process went away.</summary>
public enum QemuExitReason { Shutdown, Reboot, Destroyed, Crashed }

public sealed record QemuExit(QemuExitReason Reason, string Detail);

/// <summary>
/// A running QEMU: its pid (watched and signalled through pidfds), its QMP connection, and the task that
/// completes when it exits, with the reason taken from the last SHUTDOWN event. Stopping it never needs the
/// monitor (the Destroy partial).
/// </summary>
public sealed partial class QemuInstance : IAsyncDisposable
{
    private readonly PidWatcher _watcher;
    private readonly PidSignaller _signals;
    private readonly Action<string> _log;
    private readonly ILogger _logger;
    private readonly string _owner;
    private readonly TimeSpan _killWait;
    private readonly TaskCompletionSource<QemuExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _shutdownReason;
    private volatile bool _destroying;

    private QemuInstance(int pid, PidWatcher watcher, PidSignaller signals, QmpClient qmp, Action<string> log, TimeSpan killWait,
        ILogger logger, string owner)
    {
        Pid = pid;
        _watcher = watcher;
        _signals = signals;
        Qmp = qmp;
        _log = log;
        _killWait = killWait;
        _logger = logger;
        _owner = owner;
    }

    public int Pid { get; }
    public QmpClient Qmp { get; }

    /// <summary>QMP events other than the ones the instance consumes itself.</summary>
    public event Action<QmpEvent>? EventReceived;

    /// <summary>Completes the moment QEMU is gone.</summary>
    public Task<QemuExit> Exited => _exited.Task;

    /// <summary>Connects to a QEMU by pid and QMP socket with the default QMP timeout.</summary>
    public static Task<QemuInstance> AttachAsync(int pid, string qmpSocket, Action<string> log, CancellationToken ct = default) =>
        AttachAsync(pid, qmpSocket, QmpOptions.Default with { Transcript = log }, new QemuDriverOptions().KillWait, ct);

    /// <summary>
    /// Connects to a QEMU by pid and QMP socket: after a launch, or after vireod restarted. The whole connect is
    /// bounded by <see cref="QmpOptions.CommandTimeout"/>: a QEMU that is alive but does not answer its monitor
    /// (stopped, hung) raises <see cref="QmpTimeoutException"/>, which does not mean it is gone.
    /// </summary>
    /// <param name="logger">vireod's log, for a destroy that needs SIGKILL</param>
    public static async Task<QemuInstance> AttachAsync(int pid, string qmpSocket, QmpOptions qmp, TimeSpan killWait, CancellationToken ct = default,
        ILogger? logger = null)
    {
        var log = qmp.Transcript ?? (_ => { });
        var watcher = PidWatcher.Open(pid) ?? throw new InvalidOperationException($"QEMU process {pid} does not exist");
        var signals = PidSignaller.Open(pid);
        if (signals is null || watcher.HasExited())
        {
            signals?.Dispose();
            watcher.Dispose();
            throw new InvalidOperationException($"QEMU process {pid} has exited");
        }
        QmpClient client;
        try
        {
            client = await ConnectWithRetryAsync(qmpSocket, qmp, watcher, ct);
        }
        catch
        {
            signals.Dispose();
            watcher.Dispose();
            throw;
        }
        var instance = new QemuInstance(pid, watcher, signals, client, log, killWait, logger ?? NullLogger.Instance, qmp.Owner ?? "an unnamed domain");
        instance.Watch();
        return instance;
    }

    private static async Task<QmpClient> ConnectWithRetryAsync(string socket, QmpOptions options, PidWatcher watcher, CancellationToken ct)
    {
        // The socket exists before QEMU daemonizes, so one try normally suffices. Retries cover a socket not
        // listening yet and a previous vireod's connection that QEMU has not dropped yet, within one budget.
        var deadline = DateTimeOffset.UtcNow + options.CommandTimeout;
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            try
            {
                return await QmpClient.ConnectAsync(socket, options with { CommandTimeout = left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1) }, ct);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or QmpDisconnectedException
                                      && DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100) < deadline && !watcher.HasExited())
            {
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

    public async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync();
        _signals.Dispose();
        _watcher.Dispose();
    }
}
