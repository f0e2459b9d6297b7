using System.Diagnostics;
using System.Text.Json.Nodes;
using Vireo.Core.Errors;
using Vireo.Host.Interop;
using Vireo.Host.Processes;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;
using Vireo.Qemu.Tests.Qmp;

namespace Vireo.Qemu.Tests.Launch;

/// <summary>
/// DestroyAsync against a stand-in QEMU: a process that ignores SIGTERM (as a wedged QEMU may), with a monitor
/// that never answers. Destroy needs neither the monitor nor the process's cooperation.
/// </summary>
public sealed class DestroyTests : IAsyncDisposable
{
    private readonly Process _process;
    private readonly FakeQmpServer _monitor;
    private readonly TaskCompletionSource<string> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DestroyTests()
    {
        // SIG_IGN survives exec, so 'sleep' itself ignores SIGTERM.
        _process = Process.Start("/bin/sh", ["-c", "trap '' TERM; exec sleep 600"])!;
        _monitor = new FakeQmpServer((cmd, _) => { _received.TrySetResult((string)cmd["execute"]!); return Task.CompletedTask; });
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        await _monitor.DisposeAsync();
    }

    private readonly LogRecorder<QemuInstance> _log = new();

    private Task<QemuInstance> AttachAsync() =>
        QemuInstance.AttachAsync(_process.Id, _monitor.Path, new QmpOptions { CommandTimeout = TimeSpan.FromMinutes(5), Owner = "domain 'w'" },
            TimeSpan.FromSeconds(10), logger: _log);

    [Fact]
    public async Task A_process_that_ignores_sigterm_is_killed_after_the_grace_and_a_stuck_command_fails_at_once()
    {
        await using var qemu = await AttachAsync();
        var stuck = qemu.Qmp.StopAsync();
        Assert.Equal("stop", await _received.Task);
        var clock = Stopwatch.StartNew();
        var exit = await qemu.DestroyAsync(graceful: false, TimeSpan.FromMilliseconds(500));
        Assert.Equal(QemuExitReason.Destroyed, exit.Reason);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<QmpAbortedException>(() => stuck);
        Assert.False(PidWatcher.IsAlive(_process.Id));
        Assert.Equal([$"QEMU pid {_process.Id} of domain 'w': destroying"], _log.With(1110));
        Assert.Equal([$"QEMU pid {_process.Id} of domain 'w' is still running 0.5 s after SIGTERM: sending SIGKILL"], _log.With(1111));
    }

    [Fact]
    public async Task A_stopped_process_is_destroyed_too()
    {
        await using var qemu = await AttachAsync();
        LibC.kill(_process.Id, 19); // SIGSTOP
        var exit = await qemu.DestroyAsync(graceful: false, TimeSpan.FromMilliseconds(300));
        Assert.Equal(QemuExitReason.Destroyed, exit.Reason);
    }

    [Fact]
    public async Task A_graceful_destroy_of_a_process_that_stays_says_so_and_leaves_it_running()
    {
        await using var qemu = await AttachAsync();
        var e = await Assert.ThrowsAsync<VireoException>(() => qemu.DestroyAsync(graceful: true, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(ErrorCode.OperationTimeout, e.Code);
        Assert.Equal($"QEMU pid {_process.Id} did not exit within 0.3 s of SIGTERM; retry without --graceful to force it", e.Message);
        Assert.True(PidWatcher.IsAlive(_process.Id));
        Assert.True(qemu.Qmp.IsAnswering);
    }

    [Fact]
    public async Task Attaching_to_a_monitor_that_never_greets_fails_in_bounded_time_without_calling_qemu_gone()
    {
        await using var mute = new MuteQmpServer(greet: false);
        var e = await Assert.ThrowsAsync<QmpTimeoutException>(() =>
            QemuInstance.AttachAsync(_process.Id, mute.Path, new QmpOptions { CommandTimeout = TimeSpan.FromMilliseconds(500) }, TimeSpan.FromSeconds(10)));
        Assert.Contains("is not answering: no QMP greeting within", e.Message);
        Assert.True(PidWatcher.IsAlive(_process.Id));
    }
}
