using System.Diagnostics;
using Vireo.Core.Domain;
using Vireo.Host.Interop;
using Vireo.Host.Processes;
using Vireo.IntegrationTests.Fixtures;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.IntegrationTests.Domains;

/// <summary>
/// A real QEMU that stops answering its monitor (SIGSTOP): commands fail in bounded time naming themselves,
/// the client knows the monitor is not answering, SIGCONT brings it back, and destroy works regardless.
/// </summary>
[Collection("vm")]
public sealed class MonitorHangTests : IAsyncDisposable
{
    private const int SIGSTOP = 19;
    private const int SIGCONT = 18;
    private static readonly TimeSpan QmpTimeout = TimeSpan.FromSeconds(2);
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-hang-").FullName;
    private QemuInstance? _qemu;

    public async ValueTask DisposeAsync()
    {
        if (_qemu is not null)
        {
            if (!_qemu.Exited.IsCompleted) await _qemu.DestroyAsync(graceful: false, TimeSpan.FromSeconds(5));
            await _qemu.DisposeAsync();
        }
        Directory.Delete(_root, true);
    }

    private async Task<QemuInstance> LaunchAsync(string name)
    {
        var why = Guest.Unavailable();
        Skip.If(why is not null, why);
        var def = DomainDefinition.Parse($"""
            <domain type='qemu'>
              <name>{name}</name>
              <memory unit='MiB'>64</memory>
              <os><type arch='x86_64' machine='pc'>hvm</type></os>
              <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
            </domain>
            """);
        var paths = new QemuPaths(Path.Combine(_root, "run"), Path.Combine(_root, "lib"), Path.Combine(_root, "log"), name);
        var launcher = new QemuLauncher(new ProcessRunner(), new QemuDriverOptions { QmpTimeout = QmpTimeout });
        return _qemu = await launcher.LaunchAsync(def, paths, QemuHostOptions.TcgOnly, _ => { });
    }

    [SkippableFact]
    public async Task A_stopped_qemu_fails_commands_in_bounded_time_and_answers_again_after_sigcont()
    {
        var qemu = await LaunchAsync("stopped");
        var answering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        qemu.Qmp.AnsweringChanged += a => { if (a) answering.TrySetResult(); };
        LibC.kill(qemu.Pid, SIGSTOP);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<QmpTimeoutException>(() => qemu.Qmp.QueryStatusAsync());
        Assert.InRange(clock.Elapsed, QmpTimeout * 0.9, QmpTimeout * 5);
        Assert.Equal("Timed out during operation: QEMU monitor of domain 'stopped' is not answering: no reply to 'query-status' within 2 s", e.Message);
        Assert.False(qemu.Qmp.IsAnswering);

        clock.Restart();
        await Assert.ThrowsAsync<QmpTimeoutException>(() => qemu.Qmp.ContAsync());
        Assert.True(clock.Elapsed < QmpTimeout, "a command behind an unanswered one must fail at once");

        LibC.kill(qemu.Pid, SIGCONT);
        await answering.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("prelaunch", (await qemu.Qmp.QueryStatusAsync()).Status);
    }

    [SkippableFact]
    public async Task Destroy_of_a_stopped_qemu_frees_the_command_waiting_on_it_and_returns()
    {
        var qemu = await LaunchAsync("wedged");
        LibC.kill(qemu.Pid, SIGSTOP);
        // A slow command given a long wait: only destroy can end it early.
        var stuck = qemu.Qmp.ExecuteRawAsync("query-status", null, TimeSpan.FromMinutes(10));
        var clock = Stopwatch.StartNew();
        var exit = await qemu.DestroyAsync(graceful: false, TimeSpan.FromSeconds(10));
        Assert.Equal(QemuExitReason.Destroyed, exit.Reason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"destroy took {clock.Elapsed}: SIGCONT after SIGTERM lets a stopped QEMU exit at once");
        var e = await Assert.ThrowsAnyAsync<QmpException>(() => stuck.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(e is QmpAbortedException or QmpDisconnectedException, e.ToString());
        Assert.False(PidWatcher.IsAlive(qemu.Pid));
    }
}
