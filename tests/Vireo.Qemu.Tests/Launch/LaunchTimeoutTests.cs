using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Qemu.Tests.Launch;

/// <summary>The launcher against a stand-in emulator that hangs while initialising: bounded, killed, logs private.</summary>
public sealed class LaunchTimeoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-launch-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private QemuPaths Paths(string name) => new(Path.Combine(_root, "run"), Path.Combine(_root, "lib"), Path.Combine(_root, "log"), name);

    /// <summary>Says what it is stuck on, as QEMU would, then never daemonizes.</summary>
    private string HangingEmulator()
    {
        var path = Path.Combine(_root, "hanging-qemu");
        File.WriteAllText(path, "#!/bin/sh\necho 'stuck opening /srv/fifo' >&2\nexec sleep 600\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    private DomainDefinition Domain(string name) => DomainDefinition.Parse($"""
        <domain type='qemu'>
          <name>{name}</name>
          <memory unit='MiB'>64</memory>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <devices>
            <emulator>{HangingEmulator()}</emulator>
            <serial type='pty'><target port='0'/></serial>
          </devices>
        </domain>
        """);

    [Fact]
    public async Task A_qemu_that_never_finishes_starting_is_killed_and_the_start_fails_with_its_words()
    {
        var log = new LogRecorder<QemuLauncher>();
        var launcher = new QemuLauncher(new ProcessRunner(), new QemuDriverOptions { StartTimeout = TimeSpan.FromSeconds(1) }, log);
        var paths = Paths("stuck");
        var e = await Assert.ThrowsAsync<VireoException>(() => launcher.LaunchAsync(Domain("stuck"), paths, QemuHostOptions.TcgOnly, _ => { }));
        Assert.Equal(ErrorCode.OperationTimeout, e.Code);
        Assert.Equal("Timed out during operation: QEMU did not finish starting domain 'stuck' within 1 s and was killed: stuck opening /srv/fifo", e.Message);
        var pid = int.Parse(File.ReadAllText(Path.Combine(paths.RunDir, "launcher.pid")).Trim());
        Assert.False(PidWatcher.IsAlive(pid), $"the hanging emulator (pid {pid}) is still running");
        Assert.Equal(["Domain stuck: QEMU did not finish starting within 1 s and was killed"], log.With(1102));
    }

    [Fact]
    public async Task Domain_and_console_logs_are_private_from_the_start_and_an_old_world_readable_log_is_fixed()
    {
        var log = new LogRecorder<QemuLauncher>();
        var launcher = new QemuLauncher(new ProcessRunner(), new QemuDriverOptions { StartTimeout = TimeSpan.FromSeconds(1) }, log);
        var paths = Paths("logs");
        Directory.CreateDirectory(paths.LogDir);
        File.WriteAllText(paths.DomainLog, "an older run\n");
        File.SetUnixFileMode(paths.DomainLog, (UnixFileMode)0b110_100_100);
        var logged = new List<string>();
        await Assert.ThrowsAsync<VireoException>(() => launcher.LaunchAsync(Domain("logs"), paths, QemuHostOptions.TcgOnly, logged.Add));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(paths.DomainLog));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(paths.ConsoleLog));
        Assert.Equal("an older run\nstuck opening /srv/fifo\n", File.ReadAllText(paths.DomainLog));
        Assert.Contains(logged, l => l.StartsWith("starting up: "));
        Assert.Equal([$"Log file {paths.DomainLog} had mode 0644, wider than the log mode 0600: narrowed"], log.With(4010));
    }

    [Fact]
    public void The_start_timeout_grows_with_the_memory_qemu_may_preallocate()
    {
        var launcher = new QemuLauncher(new ProcessRunner(), new QemuDriverOptions { QmpTimeout = TimeSpan.FromSeconds(5) });
        var big = DomainDefinition.Parse("<domain type='qemu'><name>big</name><memory unit='GiB'>64</memory><os><type>hvm</type></os></domain>");
        Assert.Equal(TimeSpan.FromSeconds(30 + 64), launcher.StartTimeout(big));
        var slowMonitor = new QemuLauncher(new ProcessRunner(), new QemuDriverOptions { QmpTimeout = TimeSpan.FromSeconds(90) });
        Assert.Equal(TimeSpan.FromSeconds(90 + 64), slowMonitor.StartTimeout(big));
    }

    [Fact]
    public void An_unknown_log_group_is_refused_when_the_driver_is_made()
    {
        var e = Assert.Throws<ArgumentException>(() => new QemuLauncher(new ProcessRunner(), new QemuDriverOptions { LogGroup = "no-such-group-vireo" }));
        Assert.Equal("log group 'no-such-group-vireo' does not exist (vireod.conf log_group)", e.Message);
    }
}
