using System.Diagnostics;
using Vireo.Host.Interop;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>
/// A guest whose QEMU stops answering its monitor (SIGSTOP) under vireod with qmp_timeout = 3: the request fails in
/// bounded time naming the domain and the command, list still answers, the domain's state says the monitor is not
/// answering, and after SIGCONT the monitor answers again and requests work.
/// </summary>
[Collection("vm")]
public sealed class MonitorStateTests : IAsyncLifetime
{
    private static readonly TimeSpan QmpTimeout = TimeSpan.FromSeconds(3);
    private DaemonFixture _d = null!;
    private int _pid;

    public async Task InitializeAsync()
    {
        var why = Guest.Unavailable();
        Skip.If(why is not null, why);
        _d = new DaemonFixture();
        Directory.CreateDirectory(Path.Combine(_d.Root, "etc/vireo"));
        await File.WriteAllTextAsync(Path.Combine(_d.Root, "etc/vireo/vireod.conf"), "qmp_timeout = 3\n");
        await _d.StartDaemonAsync();
    }

    public async Task DisposeAsync()
    {
        if (_pid > 0) LibC.kill(_pid, 18); // SIGCONT, should the test fail while QEMU is stopped
        if (_d is not null) await _d.DisposeAsync();
    }

    private async Task<string> StateAsync() => (await _d.Vireo("domstate", "h1", "--reason")).Ok().Stdout.Trim();

    /// <summary>Asks until the state is <paramref name="expected"/>; the limit only bounds a failing test.</summary>
    private async Task<string> StateBecomesAsync(string expected, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        string state;
        while ((state = await StateAsync()) != expected && DateTime.UtcNow < deadline) await tick.WaitForNextTickAsync();
        return state;
    }

    [SkippableFact]
    public async Task A_stopped_qemu_fails_suspend_in_bounded_time_shows_in_domstate_and_recovers_after_sigcont()
    {
        var xml = Path.Combine(_d.Root, "h1.xml");
        await File.WriteAllTextAsync(xml, Guest.Xml("h1"));
        (await _d.Vireo("define", xml)).Ok();
        (await _d.Vireo("start", "h1")).Ok();
        Assert.Equal("running (booted)", await StateAsync());
        _pid = _d.QemuPid("h1")!.Value;
        LibC.kill(_pid, 19); // SIGSTOP

        var clock = Stopwatch.StartNew();
        (await _d.Vireo("suspend", "h1")).Fails("Timed out during operation: QEMU monitor of domain 'h1' is not answering: no reply to 'stop' within 3 s");
        Assert.InRange(clock.Elapsed, QmpTimeout * 0.9, QmpTimeout * 5);

        clock.Restart();
        Assert.Matches(@"\sh1\s+running", (await _d.Vireo("list", "--all")).Ok().Stdout);
        Assert.True(clock.Elapsed < QmpTimeout, $"list took {clock.Elapsed}: it waited on the monitor");
        Assert.Equal("running (monitor not answering)", await StateAsync());
        // Further requests fail at once instead of queueing behind the unanswered one (and are never sent).
        clock.Restart();
        (await _d.Vireo("reset", "h1")).Fails("'stop' has had no reply for");
        Assert.True(clock.Elapsed < QmpTimeout, $"reset took {clock.Elapsed}");

        LibC.kill(_pid, 18); // SIGCONT: QEMU runs the 'stop' it was sent, answers it late, and the guest is paused
        Assert.Equal("paused (user)", await StateBecomesAsync("paused (user)", TimeSpan.FromSeconds(60)));
        Assert.Contains("Domain 'h1' resumed", (await _d.Vireo("resume", "h1")).Ok().Stdout);
        Assert.Equal("running (unpaused)", await StateAsync());
        Assert.Contains("Domain 'h1' suspended", (await _d.Vireo("suspend", "h1")).Ok().Stdout);
        Assert.Equal("paused (user)", await StateAsync());
    }
}
