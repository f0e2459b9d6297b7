using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Vireo.Core.Errors;

namespace Vireo.Qemu.Agent;

/// <summary>
/// The QEMU guest agent (qemu-ga) over its virtio-serial channel's unix socket. Each call connects,
/// resynchronises with guest-sync-delimited (the agent answers with 0xFF and the sync id, so stale
/// replies of an earlier client are skipped), runs one command and disconnects, all within one timeout:
/// a stopped QEMU or a silent agent fails the call, never hangs it. The socket takes one client at a
/// time, so callers serialise per domain. Nothing is logged here; a caller that logs a request or reply
/// passes it through <see cref="Qmp.QmpRedactor"/> (guest-set-user-password carries a password).
/// </summary>
public static class GuestAgent
{
    /// <summary>Runs <paramref name="command"/> and returns its "return" value; agent errors become VireoExceptions.</summary>
    public static async Task<JsonNode?> ExecuteAsync(string socketPath, string command, JsonObject? arguments, TimeSpan timeout, CancellationToken ct = default)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null) request["arguments"] = arguments;
        return await ExecuteRawAsync(socketPath, request, timeout, ct) is JsonObject reply ? reply["return"]?.DeepClone() : null;
    }

    /// <summary>
    /// Sends a whole request object and returns the whole reply ({"return": ...}); null for commands the
    /// agent never answers, or when <paramref name="waitForReply"/> is false (virsh's --async).
    /// </summary>
    public static async Task<JsonObject?> ExecuteRawAsync(string socketPath, JsonObject request, TimeSpan timeout, CancellationToken ct = default,
        bool waitForReply = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var syncId = Random.Shared.NextInt64(1, long.MaxValue >> 12);
            await WriteAsync(stream, new JsonObject { ["execute"] = "guest-sync-delimited", ["arguments"] = new JsonObject { ["id"] = syncId } }, cts.Token);
            var reader = new LineReader(stream);
            await reader.SkipPastAsync(0xFF, cts.Token);
            while (true)
            {
                var line = await reader.ReadLineAsync(cts.Token);
                if (JsonNode.Parse(line) is JsonObject o && (long?)o["return"] == syncId) break;
            }
            await WriteAsync(stream, request, cts.Token);
            // guest-shutdown, guest-suspend-* and guest-reboot never answer.
            if (!waitForReply || ((string?)request["execute"] is { } name && (name.StartsWith("guest-suspend-") || name is "guest-shutdown" or "guest-reboot"))) return null;
            while (true)
            {
                var reply = JsonNode.Parse(await reader.ReadLineAsync(cts.Token)) as JsonObject;
                if (reply?["error"] is JsonObject err)
                    throw new VireoException(ErrorCode.OperationFailed,
                        $"internal error: unable to execute QEMU agent command '{request["execute"]}': {(string?)err["desc"] ?? err.ToJsonString()}");
                if (reply?.ContainsKey("return") == true) return reply;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException && !ct.IsCancellationRequested)
        {
            throw new VireoException(ErrorCode.AgentUnresponsive,
                ex is SocketException
                    ? $"Guest agent is not responding: QEMU guest agent is not connected ({ex.Message})"
                    : $"Guest agent is not responding: no reply from the QEMU guest agent within {timeout.TotalSeconds:0.#} s (is qemu-ga running in the guest?)");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new VireoException(ErrorCode.AgentUnresponsive,
                $"Guest agent is not responding: the QEMU guest agent sent a line that is not JSON ({ex.Message})");
        }
    }

    private static async Task WriteAsync(Stream s, JsonObject o, CancellationToken ct)
    {
        await s.WriteAsync(Encoding.UTF8.GetBytes(o.ToJsonString() + "\n"), ct);
        await s.FlushAsync(ct);
    }

    /// <summary>Reads bytes, so the 0xFF delimiter (not valid UTF-8) can be found before lines are decoded.</summary>
    private sealed class LineReader(Stream s)
    {
        private readonly byte[] _buf = new byte[65536];
        private int _start, _end;

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start == _end) _start = _end = 0;
            if (_end == _buf.Length) throw new IOException("guest agent reply too long");
            var n = await s.ReadAsync(_buf.AsMemory(_end), ct);
            if (n == 0) throw new IOException("the guest agent channel closed");
            _end += n;
            return true;
        }

        public async Task SkipPastAsync(byte marker, CancellationToken ct)
        {
            while (true)
            {
                var i = Array.IndexOf(_buf, marker, _start, _end - _start);
                if (i >= 0) { _start = i + 1; return; }
                _start = _end;
                await FillAsync(ct);
            }
        }

        public async Task<string> ReadLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var i = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
                if (i >= 0)
                {
                    var line = Encoding.UTF8.GetString(_buf, _start, i - _start).Trim();
                    _start = i + 1;
                    if (line.Length > 0) return line;
                    continue;
                }
                if (_start > 0) { Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start); _end -= _start; _start = 0; }
                await FillAsync(ct);
            }
        }
    }
}
