using System.Diagnostics;
using Vireo.Host.Interop;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>vireod with qmp_timeout set, and a guest whose QEMU is sent SIGSTOP: requests end, others still answer, destroy works.</summary>
[Collection("vm")]
public sealed class MonitorHangDaemonTests : IAsyncLifetime
{
    private DaemonFixture _d = null!;

    public async Task InitializeAsync()
    {
        var why = Guest.Unavailable();
        Skip.If(why is not null, why);
        _d = new DaemonFixture();
        Directory.CreateDirectory(Path.Combine(_d.Root, "etc/vireo"));
        await File.WriteAllTextAsync(Path.Combine(_d.Root, "etc/vireo/vireod.conf"), "qmp_timeout = 2\n");
        await _d.StartDaemonAsync();
    }

    public async Task DisposeAsync()
    {
        if (_d is not null) await _d.DisposeAsync();
    }

    [SkippableFact]
    public async Task Suspend_of_a_stopped_qemu_fails_in_bounded_time_and_destroy_still_works()
    {
        var xml = Path.Combine(_d.Root, "h1.xml");
        await File.WriteAllTextAsync(xml, Guest.Xml("h1"));
        (await _d.Vireo("define", xml)).Ok();
        (await _d.Vireo("start", "h1")).Ok();
        var pid = _d.QemuPid("h1")!.Value;
        LibC.kill(pid, 19); // SIGSTOP
        try
        {
            var clock = Stopwatch.StartNew();
            var suspend = await _d.Vireo("suspend", "h1");
            Assert.NotEqual(0, suspend.ExitCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"suspend took {clock.Elapsed}");
            (await _d.Vireo("list", "--all")).Ok();
            clock.Restart();
            Assert.Contains("Domain 'h1' destroyed", (await _d.Vireo("destroy", "h1")).Ok().Stdout);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"destroy took {clock.Elapsed}");
            Assert.Equal("shut off (destroyed)", (await _d.Vireo("domstate", "h1", "--reason")).Ok().Stdout.Trim());
            Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z"), "QEMU is still running");
        }
        finally
        {
            LibC.kill(pid, 18); // SIGCONT, should the test fail before destroy
        }
    }
}
