using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Qemu.Qmp;

public sealed record QmpEvent(string Name, JsonObject? Data, DateTimeOffset Timestamp);

/// <summary>
/// QMP transport: numbers each command, matches replies by id, pushes events into a channel and reports
/// every line, secrets redacted, to a transcript (the domain log). Every command has a bounded wait
/// (<see cref="QmpOptions.CommandTimeout"/>, or the call's own); the Monitor partial keeps the pending
/// commands and what happens when QEMU stops answering. Typed commands live in the other partials.
/// </summary>
public sealed partial class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly QmpOptions _options;
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>(new() { SingleReader = true });
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reader;

    private QmpClient(Socket socket, QmpOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _options = options;
    }

    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>Completes when the connection closes (QEMU exited or the socket was disposed).</summary>
    public Task Closed => _closed.Task;

    public JsonObject? Greeting { get; private set; }

    /// <summary>The default wait of a command.</summary>
    public TimeSpan CommandTimeout => _options.CommandTimeout;

    public static Task<QmpClient> ConnectAsync(string socketPath, Action<string>? transcript = null, CancellationToken ct = default) =>
        ConnectAsync(socketPath, QmpOptions.Default with { Transcript = transcript }, ct);

    /// <summary>
    /// Connects, reads the greeting and negotiates capabilities, all within <see cref="QmpOptions.CommandTimeout"/>.
    /// Throws <see cref="QmpTimeoutException"/> if the monitor accepts the connection but does not answer in time
    /// (a stopped or hung QEMU), and SocketException if nothing listens on the socket.
    /// </summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, QmpOptions options, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CommandTimeout, TimeSpan.Zero);
        var started = DateTimeOffset.UtcNow;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.CommandTimeout);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        QmpClient? client = null;
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
            client = new QmpClient(socket, options);
            var reader = new StreamReader(client._stream, Encoding.UTF8, false, 65536, leaveOpen: true);
            var greeting = await reader.ReadLineAsync(deadline.Token) ?? throw new QmpDisconnectedException("QMP closed before its greeting");
            client.Transcribe("QMP greeting: " + greeting);
            client.Greeting = ParseGreeting(greeting);
            client._reader = client.ReadLoopAsync(reader);
            var left = options.CommandTimeout - (DateTimeOffset.UtcNow - started);
            await client.ExecuteAsync("qmp_capabilities", null, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), ct);
            return client;
        }
        catch (Exception e)
        {
            if (client is not null) await client.DisposeAsync();
            else socket.Dispose();
            if (e is OperationCanceledException && !ct.IsCancellationRequested)
                throw QmpTimeoutException.NoGreeting(options.Owner, options.CommandTimeout);
            throw;
        }
    }

    private static JsonObject? ParseGreeting(string line)
    {
        try { return JsonNode.Parse(line)?["QMP"] as JsonObject; }
        catch (System.Text.Json.JsonException) { throw new QmpDisconnectedException("QMP greeting is not JSON: the socket is not a QEMU monitor"); }
    }

    /// <summary>
    /// A command given by name, as the user wrote it: the pass-through behind 'qemu-monitor-command'. Everything
    /// else vireod sends goes through the typed methods (one per command, see the other partials). Returns the
    /// reply's "return" value; throws <see cref="QmpErrorException"/> on an error reply.
    /// </summary>
    /// <param name="timeout">The command's own wait; the client's <see cref="CommandTimeout"/> when null.</param>
    public Task<JsonNode?> ExecuteRawAsync(string command, JsonObject? arguments = null, TimeSpan? timeout = null, CancellationToken ct = default) =>
        SendAsync(command, arguments, null, timeout, ct);

    /// <summary>What the typed methods send through: a command and its "return" value within the default timeout.</summary>
    internal Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken ct = default) =>
        SendAsync(command, arguments, null, null, ct);

    /// <summary>As <see cref="ExecuteAsync(string, JsonObject?, CancellationToken)"/>, for a command known to take longer (or shorter).</summary>
    internal Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, TimeSpan? timeout, CancellationToken ct = default) =>
        SendAsync(command, arguments, null, timeout, ct);

    /// <summary>A command that hands QEMU a file descriptor with it (SCM_RIGHTS on the QMP socket).</summary>
    internal Task<JsonNode?> ExecuteWithFdAsync(string command, JsonObject arguments, SafeFileHandle fd, CancellationToken ct = default) =>
        SendAsync(command, arguments, fd, null, ct);

    private async Task<JsonNode?> SendAsync(string command, JsonObject? arguments, SafeFileHandle? fd, TimeSpan? timeout, CancellationToken ct)
    {
        var limit = timeout ?? _options.CommandTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        var pending = Register(command, arguments);
        var msg = new JsonObject { ["execute"] = command, ["id"] = pending.Id };
        if (arguments is not null) msg["arguments"] = arguments;
        Transcribe("QMP send: " + QmpRedactor.Command(msg));
        var bytes = Encoding.UTF8.GetBytes(msg.ToJsonString() + "\n");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(limit);
        JsonObject reply;
        try
        {
            await WriteAsync(pending, bytes, fd, limit, cts.Token);
            reply = await pending.Reply.Task.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!pending.Reply.Task.IsCompletedSuccessfully)
        {
            var timedOut = !ct.IsCancellationRequested;
            Abandon(pending, timedOut, limit);
            if (timedOut) throw QmpTimeoutException.NoReply(_options.Owner, command, limit);
            throw;
        }
        catch (OperationCanceledException)
        {
            reply = pending.Reply.Task.Result; // the reply won the race against the deadline
        }
        if (reply["error"] is JsonObject err)
            throw new QmpErrorException(command, (string?)err["class"] ?? "GenericError", (string?)err["desc"] ?? "");
        return reply["return"];
    }

    private async Task WriteAsync(PendingCommand pending, byte[] bytes, SafeFileHandle? fd, TimeSpan limit, CancellationToken token)
    {
        await _writeLock.WaitAsync(token);
        try
        {
            // Abandoned (AbortPending) while it waited for its turn: never sent, so no reply will come.
            if (pending.Reply.Task.IsCompleted) return;
            pending.Sent = true;
            if (fd is null) await _stream.WriteAsync(bytes, token);
            else Host.Interop.LibC.SendWithFd(_socket.Handle, bytes, (int)fd.DangerousGetHandle());
        }
        catch (OperationCanceledException) when (pending.Sent)
        {
            // Part of the line may be on the wire: the stream cannot be trusted any more.
            Drop($"'{pending.Command}' could not be sent within the timeout");
            throw QmpTimeoutException.NotSent(_options.Owner, pending.Command, limit);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Forget(pending);
            throw new QmpDisconnectedException($"cannot send '{pending.Command}': {e.Message}");
        }
        finally { _writeLock.Release(); }
    }

    private void Transcribe(string line) => _options.Transcript?.Invoke(line);

    /// <summary>Closes the connection (QEMU keeps running); every command still waiting fails as disconnected.</summary>
    private void Drop(string reason)
    {
        MarkClosed(reason);
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        Drop("the QMP connection was closed by vireod");
        await _stream.DisposeAsync();
        if (_reader is null)
        {
            // Closed during the handshake, before the reader ran: nothing else will complete these.
            _closed.TrySetResult();
            _events.Writer.TryComplete();
        }
        else
            await _reader.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
    }
}
