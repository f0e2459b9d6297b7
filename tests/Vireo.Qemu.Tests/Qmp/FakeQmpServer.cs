using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Vireo.Qemu.Tests.Qmp;

/// <summary>
/// A QMP server on a unix socket that speaks the protocol's framing (greeting, capabilities
/// negotiation, id-tagged replies, events) and answers commands through a handler the test writes.
/// </summary>
public sealed class FakeQmpServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<JsonObject, FakeQmpServer, Task> _handler;
    private readonly TaskCompletionSource<NetworkStream> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _write = new(1, 1);

    public FakeQmpServer(Func<JsonObject, FakeQmpServer, Task> handler)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fakeqmp-{Guid.NewGuid():N}.sock");
        _handler = handler;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(1);
        _ = AcceptAsync();
    }

    public string Path { get; }
    public List<string> Received { get; } = [];

    private async Task AcceptAsync()
    {
        var s = await _listener.AcceptAsync();
        var stream = new NetworkStream(s, ownsSocket: true);
        _connected.SetResult(stream);
        await SendAsync(new JsonObject { ["QMP"] = new JsonObject { ["version"] = new JsonObject { ["qemu"] = new JsonObject { ["major"] = 7 } }, ["capabilities"] = new JsonArray() } });
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (Received) Received.Add(line);
            var cmd = JsonNode.Parse(line)!.AsObject();
            if ((string?)cmd["execute"] == "qmp_capabilities")
                await ReplyAsync(cmd, new JsonObject());
            else
                _ = _handler(cmd, this);
        }
    }

    public async Task SendAsync(JsonObject message)
    {
        var stream = await _connected.Task;
        await _write.WaitAsync();
        try { await stream.WriteAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\r\n")); }
        finally { _write.Release(); }
    }

    public Task ReplyAsync(JsonObject command, JsonNode result) =>
        SendAsync(new JsonObject { ["return"] = result, ["id"] = command["id"]!.DeepClone() });

    public Task ErrorAsync(JsonObject command, string cls, string desc) =>
        SendAsync(new JsonObject { ["error"] = new JsonObject { ["class"] = cls, ["desc"] = desc }, ["id"] = command["id"]!.DeepClone() });

    public Task EventAsync(string name, JsonObject? data = null) =>
        SendAsync(new JsonObject { ["event"] = name, ["data"] = data, ["timestamp"] = new JsonObject { ["seconds"] = 1700000000, ["microseconds"] = 5000 } });

    /// <summary>Closes the connection, as QEMU exiting would.</summary>
    public async Task DisconnectAsync() => (await _connected.Task).Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_connected.Task.IsCompleted) (await _connected.Task).Dispose();
        _listener.Dispose();
        File.Delete(Path);
    }
}
