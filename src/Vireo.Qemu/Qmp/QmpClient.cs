using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Vireo.Qemu.Qmp;

public sealed record QmpEvent(string Name, JsonObject? Data, DateTimeOffset Timestamp);

/// <summary>
/// QMP transport: numbers each command, matches replies by id, pushes events into a channel
/// and reports every line to a transcript callback (the domain log). Typed commands live in
/// the Commands partial.
/// </summary>
public sealed partial class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Action<string>? _transcript;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>(new() { SingleReader = true });
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;

    private QmpClient(Socket socket, Action<string>? transcript)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _transcript = transcript;
    }

    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>Completes when the connection closes (QEMU exited or the socket was disposed).</summary>
    public Task Closed => _closed.Task;

    public JsonObject? Greeting { get; private set; }

    public static async Task<QmpClient> ConnectAsync(string socketPath, Action<string>? transcript = null, CancellationToken ct = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var client = new QmpClient(socket, transcript);
        var reader = new StreamReader(client._stream, Encoding.UTF8, false, 65536, leaveOpen: true);
        var greeting = await reader.ReadLineAsync(ct) ?? throw new QmpDisconnectedException("QMP closed before its greeting");
        client._transcript?.Invoke("QMP greeting: " + greeting);
        client.Greeting = JsonNode.Parse(greeting)?["QMP"]?.AsObject();
        _ = client.ReadLoopAsync(reader);
        await client.ExecuteAsync("qmp_capabilities", null, ct);
        return client;
    }

    /// <summary>Sends a command and returns its "return" value; throws <see cref="QmpErrorException"/> on an error reply.</summary>
    public Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken ct = default) =>
        ExecuteAsync(command, arguments, null, ct);

    /// <summary>getfd: hands QEMU a file descriptor (SCM_RIGHTS on the QMP socket) under <paramref name="fdName"/>.</summary>
    public Task SendFdAsync(string fdName, Microsoft.Win32.SafeHandles.SafeFileHandle fd, CancellationToken ct = default) =>
        ExecuteAsync("getfd", new JsonObject { ["fdname"] = fdName }, fd, ct);

    private async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, Microsoft.Win32.SafeHandles.SafeFileHandle? fd, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var msg = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null) msg["arguments"] = arguments;
        var line = msg.ToJsonString();
        _transcript?.Invoke("QMP send: " + line);
        await _writeLock.WaitAsync(ct);
        try
        {
            if (_closed.Task.IsCompleted) throw new QmpDisconnectedException($"cannot send '{command}': QMP connection is closed");
            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            if (fd is null) await _stream.WriteAsync(bytes, ct);
            else Vireo.Host.Interop.LibC.SendWithFd(_socket.Handle, bytes, (int)fd.DangerousGetHandle());
        }
        catch (IOException e)
        {
            _pending.TryRemove(id, out _);
            throw new QmpDisconnectedException($"cannot send '{command}': {e.Message}");
        }
        finally { _writeLock.Release(); }
        using var reg = ct.Register(() => tcs.TrySetCanceled(ct));
        var reply = await tcs.Task;
        if (reply is JsonObject o && o["error"] is JsonObject err)
            throw new QmpErrorException(command, (string?)err["class"] ?? "GenericError", (string?)err["desc"] ?? "");
        return reply?["return"];
    }

    private async Task ReadLoopAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0) continue;
                _transcript?.Invoke("QMP recv: " + line);
                if (JsonNode.Parse(line) is not JsonObject obj) continue;
                if (obj["event"] is JsonValue ev)
                {
                    var ts = obj["timestamp"];
                    var when = ts is null ? DateTimeOffset.UtcNow
                        : DateTimeOffset.FromUnixTimeMilliseconds((long)ts["seconds"]! * 1000 + (long)ts["microseconds"]! / 1000);
                    _events.Writer.TryWrite(new QmpEvent(ev.ToString(), obj["data"] as JsonObject, when));
                }
                else if (obj["id"] is JsonValue idv && idv.TryGetValue<long>(out var id) && _pending.TryRemove(id, out var tcs))
                {
                    tcs.TrySetResult(obj);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Text.Json.JsonException) { }
        finally
        {
            _closed.TrySetResult();
            _events.Writer.TryComplete();
            foreach (var (_, tcs) in _pending)
                tcs.TrySetException(new QmpDisconnectedException("QMP connection closed (QEMU exited?)"));
            _pending.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        await _stream.DisposeAsync();
        await _closed.Task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
    }
}
