using System.Text.Json.Nodes;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Tests.Qmp;

public class QmpClientTests
{
    [Fact]
    public async Task Replies_are_matched_by_id_even_out_of_order()
    {
        var gate = new TaskCompletionSource();
        await using var server = new FakeQmpServer(async (cmd, s) =>
        {
            var name = (string)cmd["execute"]!;
            if (name == "slow") await gate.Task; // answered only after "fast"
            await s.ReplyAsync(cmd, new JsonObject { ["who"] = name });
            if (name == "fast") gate.SetResult();
        });
        var transcript = new List<string>();
        await using var qmp = await QmpClient.ConnectAsync(server.Path, l => { lock (transcript) transcript.Add(l); });
        var slow = qmp.ExecuteRawAsync("slow");
        var fast = qmp.ExecuteRawAsync("fast");
        Assert.Equal("fast", (string?)(await fast)!["who"]);
        Assert.Equal("slow", (string?)(await slow)!["who"]);
        Assert.Equal(7, (int?)qmp.Greeting!["version"]!["qemu"]!["major"]);
        lock (transcript)
        {
            Assert.Contains(transcript, l => l.StartsWith("QMP send: {\"execute\":\"slow\""));
            Assert.Contains(transcript, l => l.StartsWith("QMP recv: ") && l.Contains("\"who\":\"fast\""));
        }
    }

    [Fact]
    public async Task Errors_keep_qemus_class_and_description()
    {
        await using var server = new FakeQmpServer((cmd, s) => s.ErrorAsync(cmd, "DeviceNotFound", "Device 'x' not found"));
        await using var qmp = await QmpClient.ConnectAsync(server.Path);
        var e = await Assert.ThrowsAsync<QmpErrorException>(() => qmp.ExecuteRawAsync("device_del", new JsonObject { ["id"] = "x" }));
        Assert.Equal("DeviceNotFound", e.ErrorClass);
        Assert.Equal("Device 'x' not found", e.Description);
        Assert.Equal("device_del", e.Command);
    }

    [Fact]
    public async Task Events_arrive_in_the_channel_with_their_data()
    {
        await using var server = new FakeQmpServer((cmd, s) => s.ReplyAsync(cmd, new JsonObject()));
        await using var qmp = await QmpClient.ConnectAsync(server.Path);
        await server.EventAsync("STOP");
        await server.EventAsync("SHUTDOWN", new JsonObject { ["guest"] = true, ["reason"] = "guest-shutdown" });
        var first = await qmp.Events.ReadAsync();
        var second = await qmp.Events.ReadAsync();
        Assert.Equal("STOP", first.Name);
        Assert.Equal("SHUTDOWN", second.Name);
        Assert.Equal("guest-shutdown", (string?)second.Data!["reason"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000005), second.Timestamp);
    }

    [Fact]
    public async Task Typed_commands_send_the_right_json_and_parse_results()
    {
        await using var server = new FakeQmpServer((cmd, s) => (string)cmd["execute"]! switch
        {
            "query-status" => s.ReplyAsync(cmd, new JsonObject { ["status"] = "paused", ["running"] = false, ["singlestep"] = false }),
            "query-cpus-fast" => s.ReplyAsync(cmd, new JsonArray(
                new JsonObject { ["cpu-index"] = 0, ["thread-id"] = 4242, ["qom-path"] = "/machine/unattached/device[0]" },
                new JsonObject { ["cpu-index"] = 1, ["thread-id"] = 4243, ["qom-path"] = "/machine/unattached/device[1]" })),
            "human-monitor-command" => s.ReplyAsync(cmd, JsonValue.Create("echo: " + (string)cmd["arguments"]!["command-line"]!)),
            "query-vnc" => s.ReplyAsync(cmd, new JsonObject { ["enabled"] = true, ["host"] = "127.0.0.1", ["service"] = "5901" }),
            _ => s.ReplyAsync(cmd, new JsonObject()),
        });
        await using var qmp = await QmpClient.ConnectAsync(server.Path);
        Assert.Equal(new QmpStatus("paused", false), await qmp.QueryStatusAsync());
        var cpus = await qmp.QueryCpusFastAsync();
        Assert.Equal([4242, 4243], cpus.Select(c => c.ThreadId));
        Assert.Equal("echo: info cpus", await qmp.HumanMonitorCommandAsync("info cpus"));
        Assert.Equal(5901, (await qmp.QueryVncAsync()).Port);
        await qmp.ContAsync();
        await qmp.SystemPowerdownAsync();
        lock (server.Received)
        {
            Assert.Contains(server.Received, l => l.Contains("\"execute\":\"cont\""));
            Assert.Contains(server.Received, l => l.Contains("\"execute\":\"system_powerdown\""));
            Assert.Contains(server.Received, l => l.Contains("\"command-line\":\"info cpus\""));
        }
    }

    [Fact]
    public async Task A_closed_connection_fails_pending_commands_and_completes_Closed()
    {
        await using var server = new FakeQmpServer((cmd, s) => Task.CompletedTask); // never answers
        await using var qmp = await QmpClient.ConnectAsync(server.Path);
        var pending = qmp.ExecuteRawAsync("query-status");
        await server.DisconnectAsync();
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => pending);
        await qmp.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<QmpDisconnectedException>(() => qmp.ExecuteRawAsync("cont"));
    }
}
