using System.Diagnostics;
using System.Text.Json.Nodes;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Tests.Qmp;

/// <summary>Every command and the handshake have a bounded wait; a monitor that stops answering is remembered and recovers.</summary>
public class QmpTimeoutTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    // A client's default also bounds its handshake, which a loaded test machine may take longer than Short for.
    private static readonly TimeSpan ShortDefault = TimeSpan.FromSeconds(1);

    private static QmpOptions Options(TimeSpan timeout, List<string>? transcript = null) => new()
    {
        CommandTimeout = timeout,
        Owner = "domain 'web1'",
        Transcript = transcript is null ? null : l => { lock (transcript) transcript.Add(l); },
    };

    [Fact]
    public async Task A_command_qemu_never_answers_fails_naming_it_and_the_monitor_counts_as_not_answering()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new FakeQmpServer((cmd, _) => { received.TrySetResult((string)cmd["execute"]!); return Task.CompletedTask; });
        await using var qmp = await QmpClient.ConnectAsync(server.Path, Options(ShortDefault));
        var changes = new List<bool>();
        qmp.AnsweringChanged += changes.Add;
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<QmpTimeoutException>(() => qmp.StopAsync());
        Assert.InRange(clock.Elapsed, ShortDefault * 0.9, TimeSpan.FromSeconds(10)); // timers may fire a hair early
        Assert.Equal("Timed out during operation: QEMU monitor of domain 'web1' is not answering: no reply to 'stop' within 1 s", e.Message);
        Assert.Equal("stop", e.Command);
        Assert.Equal("stop", await received.Task);
        Assert.False(qmp.IsAnswering);
        Assert.Equal("stop", qmp.Stall!.Command);
        Assert.Equal([false], changes);
        Assert.Equal(0, qmp.PendingCount);
        Assert.Equal(1, qmp.AbandonedCount);
    }

    [Fact]
    public async Task While_the_monitor_is_not_answering_new_commands_fail_at_once_and_are_not_sent()
    {
        await using var server = new FakeQmpServer((_, _) => Task.CompletedTask);
        await using var qmp = await QmpClient.ConnectAsync(server.Path, Options(TimeSpan.FromMinutes(5)));
        await Assert.ThrowsAsync<QmpTimeoutException>(() => qmp.ExecuteRawAsync("stop", null, Short));
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<QmpTimeoutException>(() => qmp.QueryStatusAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}: it waited instead of failing at once");
        Assert.StartsWith("Timed out during operation: QEMU monitor of domain 'web1' is not answering: 'stop' has had no reply for ", e.Message);
        Assert.EndsWith("so 'query-status' was not sent", e.Message);
        Assert.Equal("query-status", e.Command);
        Assert.Equal("stop", e.StuckCommand);
        lock (server.Received) Assert.DoesNotContain(server.Received, l => l.Contains("query-status"));
    }

    [Fact]
    public async Task A_late_reply_is_dropped_cleanly_and_the_monitor_answers_again()
    {
        var release = new TaskCompletionSource();
        await using var server = new FakeQmpServer(async (cmd, s) =>
        {
            if ((string)cmd["execute"]! == "stop") await release.Task; // a stopped QEMU, continued later
            await s.ReplyAsync(cmd, new JsonObject { ["for"] = (string)cmd["execute"]! });
        });
        var transcript = new List<string>();
        await using var qmp = await QmpClient.ConnectAsync(server.Path, Options(TimeSpan.FromMinutes(5), transcript));
        var answering = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        qmp.AnsweringChanged += a => { if (a) answering.TrySetResult(a); };
        await Assert.ThrowsAsync<QmpTimeoutException>(() => qmp.ExecuteRawAsync("stop", null, Short));
        release.SetResult();
        Assert.True(await answering.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(qmp.IsAnswering);
        Assert.Null(qmp.Stall);
        Assert.Equal(0, qmp.AbandonedCount);
        Assert.Equal("query-status", (string?)(await qmp.ExecuteRawAsync("query-status"))!["for"]);
        lock (transcript)
        {
            Assert.Contains(transcript, l => l.StartsWith("QMP: late reply to 'stop' (id 2, sent ") && l.EndsWith(" s ago) dropped"));
            Assert.Contains("QMP: the monitor is answering again", transcript);
        }
    }

    [Fact]
    public async Task A_call_may_wait_longer_than_the_default_for_a_slow_command()
    {
        await using var server = new FakeQmpServer(async (cmd, s) =>
        {
            if ((string)cmd["execute"]! == "blockdev-add") await Task.Delay(ShortDefault * 2); // a slow network disk
            await s.ReplyAsync(cmd, new JsonObject());
        });
        await using var qmp = await QmpClient.ConnectAsync(server.Path, Options(ShortDefault));
        await qmp.BlockdevAddAsync(QmpBlockdev.FromJson("{\"driver\":\"null-co\",\"node-name\":\"n0\"}"), timeout: TimeSpan.FromSeconds(30));
        Assert.True(qmp.IsAnswering);
    }

    [Fact]
    public async Task A_call_may_also_wait_less_than_the_default()
    {
        await using var server = new FakeQmpServer((_, _) => Task.CompletedTask);
        await using var qmp = await QmpClient.ConnectAsync(server.Path, Options(TimeSpan.FromMinutes(5)));
        var e = await Assert.ThrowsAsync<QmpTimeoutException>(() => qmp.ExecuteRawAsync("query-status", null, Short));
        Assert.Equal(Short, e.Timeout);
    }

    [Fact]
    public async Task A_caller_that_gives_up_leaves_nothing_pending_and_the_monitor_answering()
    {
        var release = new TaskCompletionSource();
        await using var server = new FakeQmpServer(async (cmd, s) => { await release.Task; await s.ReplyAsync(cmd, new JsonObject()); });
        await using var qmp = await QmpClient.ConnectAsync(server.Path, Options(TimeSpan.FromMinutes(5)));
        using var cts = new CancellationTokenSource();
        var call = qmp.QueryStatusAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(qmp.IsAnswering);
        Assert.Equal(0, qmp.PendingCount);
        release.SetResult();
    }

    [Fact]
    public async Task AbortPending_fails_a_stuck_command_at_once_and_keeps_the_connection()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new FakeQmpServer(async (cmd, s) =>
        {
            if ((string)cmd["execute"]! == "stop") { received.TrySetResult(); return; } // never answered
            await s.ReplyAsync(cmd, new JsonObject { ["status"] = "running", ["running"] = true });
        });
        await using var qmp = await QmpClient.ConnectAsync(server.Path, Options(TimeSpan.FromMinutes(5)));
        var stuck = qmp.StopAsync();
        await received.Task;
        Assert.Equal(1, qmp.AbortPending("QEMU pid 42 is being destroyed"));
        var e = await Assert.ThrowsAsync<QmpAbortedException>(() => stuck.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("operation failed: QEMU monitor of domain 'web1' command 'stop' abandoned: QEMU pid 42 is being destroyed", e.Message);
        Assert.Equal(0, qmp.PendingCount);
        Assert.True(qmp.IsAnswering);
        Assert.True((await qmp.QueryStatusAsync()).Running);
    }

    [Fact]
    public async Task A_socket_that_never_greets_fails_the_connect_in_bounded_time()
    {
        await using var server = new MuteQmpServer(greet: false);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<QmpTimeoutException>(() => QmpClient.ConnectAsync(server.Path, Options(Short)));
        Assert.InRange(clock.Elapsed, Short * 0.9, TimeSpan.FromSeconds(10)); // timers may fire a hair early
        Assert.Equal("Timed out during operation: QEMU monitor of domain 'web1' is not answering: no QMP greeting within 0.3 s", e.Message);
    }

    [Fact]
    public async Task A_monitor_that_greets_but_never_negotiates_fails_the_connect_naming_qmp_capabilities()
    {
        await using var server = new MuteQmpServer(greet: true);
        var e = await Assert.ThrowsAsync<QmpTimeoutException>(() => QmpClient.ConnectAsync(server.Path, Options(Short)));
        Assert.Equal("qmp_capabilities", e.Command);
        Assert.Contains("is not answering: no reply to 'qmp_capabilities' within", e.Message);
        Assert.Contains("qmp_capabilities", await server.Received.Reader.ReadAsync());
    }
}
