using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Vireo.Core.Errors;
using Vireo.Qemu.Agent;

namespace Vireo.Qemu.Tests.Agent;

/// <summary>The agent protocol against a fake agent on a unix socket (the real qemu-ga runs in the integration tests).</summary>
public sealed class GuestAgentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-ga-").FullName;
    private string Sock => Path.Combine(_dir, "ga.sock");

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>One client: answers the sync after some stale output of an earlier session, then replies to the command.</summary>
    private Task FakeAgent(Func<JsonObject, string> reply)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Sock));
        listener.Listen();
        return Task.Run(async () =>
        {
            using var _ = listener;
            using var client = await listener.AcceptAsync();
            await using var s = new NetworkStream(client);
            using var r = new StreamReader(s);
            var sync = JsonNode.Parse((await r.ReadLineAsync())!)!.AsObject();
            Assert.Equal("guest-sync-delimited", (string?)sync["execute"]);
            var stale = Encoding.UTF8.GetBytes("{\"return\": {\"old\": 1}}\n");
            await s.WriteAsync(stale.Concat(new byte[] { 0xFF }).Concat(Encoding.UTF8.GetBytes($"{{\"return\": {sync["arguments"]!["id"]}}}\n")).ToArray());
            var cmd = JsonNode.Parse((await r.ReadLineAsync())!)!.AsObject();
            await s.WriteAsync(Encoding.UTF8.GetBytes(reply(cmd) + "\n"));
        });
    }

    [Fact]
    public async Task Stale_output_is_skipped_and_the_reply_returned()
    {
        var agent = FakeAgent(cmd => $"{{\"return\": {{\"echo\": \"{cmd["execute"]}\"}}}}");
        var result = await GuestAgent.ExecuteAsync(Sock, "guest-info", null, TimeSpan.FromSeconds(5));
        Assert.Equal("guest-info", (string?)result!["echo"]);
        await agent;
    }

    [Fact]
    public async Task Agent_errors_name_the_command_and_the_agents_reason()
    {
        var agent = FakeAgent(_ => "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command guest-x has not been found\"}}");
        var ex = await Assert.ThrowsAsync<VireoException>(() => GuestAgent.ExecuteAsync(Sock, "guest-x", null, TimeSpan.FromSeconds(5)));
        Assert.Equal("internal error: unable to execute QEMU agent command 'guest-x': The command guest-x has not been found", ex.Message);
        await agent;
    }

    [Fact]
    public async Task No_agent_and_a_silent_agent_are_told_apart()
    {
        var ex = await Assert.ThrowsAsync<VireoException>(() => GuestAgent.ExecuteAsync(Sock, "guest-ping", null, TimeSpan.FromSeconds(1)));
        Assert.StartsWith("Guest agent is not responding: QEMU guest agent is not connected", ex.Message);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Sock));
        listener.Listen();
        ex = await Assert.ThrowsAsync<VireoException>(() => GuestAgent.ExecuteAsync(Sock, "guest-ping", null, TimeSpan.FromMilliseconds(300)));
        Assert.Contains("no reply from the QEMU guest agent within 0.3 s", ex.Message);
        Assert.Equal(ErrorCode.AgentUnresponsive, ex.Code);
    }
}
