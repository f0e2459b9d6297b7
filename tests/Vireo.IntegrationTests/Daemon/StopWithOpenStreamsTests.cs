using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>
/// A client holding a console or an event stream open does not hold up vireod's stop: ASP.NET's graceful
/// shutdown waits 30 s for open requests, longer than the fixture's 20 s bound on a stop.
/// </summary>
public class StopWithOpenStreamsTests : VmTestBase
{
    [SkippableFact]
    public async Task Vireod_stops_promptly_with_a_console_and_an_event_stream_open_and_the_guest_keeps_running()
    {
        await DefineGuestAsync("open");
        await BootAsync("open");
        var never = new TaskCompletionSource();
        var console = D.VireoUntil(never.Task, "console", "open", "--timeout", "300");
        var events = D.VireoUntil(never.Task, "event", "--loop", "--timeout", "300");
        // The console is held once vireod is connected to the guest's serial socket (only vireod connects to it).
        var serial = Path.Combine(D.Root, "run/vireo/qemu/open/serial0.sock");
        Assert.True(await Poll.UntilAsync(() => Connections(a => a == serial) > 0, TimeSpan.FromSeconds(60), everyMs: 50), "the console never connected");
        // Both clients are connected to vireod's socket (bound under a private name, then renamed).
        var apiSocket = (string a) => a.StartsWith(D.Root + "/run/vireo/") && a.EndsWith("/vireod.sock");
        Assert.True(await Poll.UntilAsync(() => Connections(apiSocket) >= 2, TimeSpan.FromSeconds(60), everyMs: 50), "the event stream never connected");
        var qemu = D.QemuPid("open")!.Value;

        await D.StopDaemonAsync();

        // Both clients see their stream end instead of waiting for their own timeout.
        await console.WaitAsync(TimeSpan.FromSeconds(60));
        await events.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(ProcessExists(qemu), "the guest stopped with vireod");
        never.SetResult();
    }

    private static int Connections(Func<string, bool> socketPath)
    {
        using var ss = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ss", ["-xHn", "state", "connected"])
            { RedirectStandardOutput = true })!;
        var output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        return output.Split('\n').Count(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(socketPath));
    }
}
