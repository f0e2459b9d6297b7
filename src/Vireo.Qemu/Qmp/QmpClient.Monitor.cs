using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>
/// The pending commands and the monitor's state. A command that times out is abandoned: its reply, when it
/// comes, is logged and dropped, and until it comes the monitor counts as not answering, so new commands fail
/// at once instead of queueing behind it (QEMU answers in order). A late reply makes it answer again.
/// </summary>
public sealed partial class QmpClient
{
    private sealed class PendingCommand(long id, string command, JsonObject? arguments)
    {
        public long Id { get; } = id;
        public string Command { get; } = command;
        public JsonObject? Arguments { get; } = arguments;
        public DateTimeOffset SentAt { get; } = DateTimeOffset.UtcNow;
        public TaskCompletionSource<JsonObject> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Sent { get; set; }
        public bool TimedOut { get; set; }
    }

    private readonly object _gate = new();
    private readonly Dictionary<long, PendingCommand> _pending = [];
    private readonly Dictionary<long, PendingCommand> _abandoned = [];
    private long _nextId;
    private QmpStall? _stall;
    private string? _closedReason;

    /// <summary>False while a command that timed out is still unanswered; see <see cref="Stall"/>.</summary>
    public bool IsAnswering => Stall is null;

    /// <summary>The command that made the monitor count as not answering, or null while it answers.</summary>
    public QmpStall? Stall
    {
        get { lock (_gate) return _stall; }
    }

    /// <summary>Raised with false when a command times out, and with true when QEMU answers it after all.</summary>
    public event Action<bool>? AnsweringChanged;

    /// <summary>Commands sent or waiting to be sent and not yet answered (abandoned ones not counted).</summary>
    public int PendingCount
    {
        get { lock (_gate) return _pending.Count; }
    }

    /// <summary>Abandoned commands whose late reply has not come yet.</summary>
    public int AbandonedCount
    {
        get { lock (_gate) return _abandoned.Count; }
    }

    /// <summary>
    /// Fails every command still waiting for QEMU at once with <see cref="QmpAbortedException"/>, so whoever
    /// waits on one (and holds a lock while waiting) is freed; their replies, if QEMU ever sends them, are
    /// dropped. The connection stays open. A destroy calls it before it signals QEMU. Returns how many were failed.
    /// </summary>
    public int AbortPending(string reason)
    {
        List<PendingCommand> aborted;
        lock (_gate)
        {
            aborted = [.. _pending.Values];
            _pending.Clear();
            foreach (var p in aborted.Where(p => p.Sent)) _abandoned[p.Id] = p;
        }
        foreach (var p in aborted) p.Reply.TrySetException(new QmpAbortedException(p.Command, _options.Owner, reason));
        if (aborted.Count > 0) Transcribe($"QMP: {string.Join(", ", aborted.Select(p => $"'{p.Command}'"))} abandoned: {reason}");
        return aborted.Count;
    }

    private PendingCommand Register(string command, JsonObject? arguments)
    {
        lock (_gate)
        {
            if (_closedReason is { } closed) throw new QmpDisconnectedException($"cannot send '{command}': {closed}");
            if (_stall is { } stall) throw QmpTimeoutException.StillStuck(_options.Owner, command, stall);
            var p = new PendingCommand(++_nextId, command, arguments);
            _pending[p.Id] = p;
            return p;
        }
    }

    private void Forget(PendingCommand p)
    {
        lock (_gate) _pending.Remove(p.Id);
    }

    /// <summary>A command its caller stopped waiting for: a reply already on its way is dropped when it comes.</summary>
    private void Abandon(PendingCommand p, bool timedOut, TimeSpan limit)
    {
        var stalled = false;
        lock (_gate)
        {
            if (!_pending.Remove(p.Id) || !p.Sent) return;
            p.TimedOut = timedOut;
            _abandoned[p.Id] = p;
            if (timedOut && _stall is null && _closedReason is null)
            {
                _stall = new QmpStall(p.Command, p.SentAt, limit);
                stalled = true;
            }
        }
        Transcribe(timedOut
            ? $"QMP: no reply to '{p.Command}' (id {p.Id}) within {limit.TotalSeconds:0.#} s; the monitor is not answering"
            : $"QMP: '{p.Command}' (id {p.Id}) abandoned by its caller before QEMU answered");
        if (stalled) AnsweringChanged?.Invoke(false);
    }

    private void OnReply(long id, JsonObject reply)
    {
        PendingCommand? p;
        bool late = false, recovered = false;
        lock (_gate)
        {
            if (!_pending.Remove(id, out p) && _abandoned.Remove(id, out p))
            {
                late = true;
                recovered = _stall is not null && !_abandoned.Values.Any(a => a.TimedOut);
                if (recovered) _stall = null;
            }
        }
        Transcribe("QMP recv: " + QmpRedactor.Reply(p?.Command, p?.Arguments, reply));
        if (!late)
        {
            p?.Reply.TrySetResult(reply);
            return;
        }
        Transcribe($"QMP: late reply to '{p!.Command}' (id {id}, sent {(DateTimeOffset.UtcNow - p.SentAt).TotalSeconds:0.#} s ago) dropped");
        if (!recovered) return;
        Transcribe("QMP: the monitor is answering again");
        AnsweringChanged?.Invoke(true);
    }

    private async Task ReadLoopAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0) continue;
                JsonObject? obj;
                try { obj = JsonNode.Parse(line) as JsonObject; }
                catch (System.Text.Json.JsonException)
                {
                    // Not logged as text: only parsed messages can have their secrets taken out.
                    Transcribe($"QMP recv: a line of {line.Length} characters that is not JSON; closing the connection");
                    throw;
                }
                if (obj is null) continue;
                if (obj["event"] is JsonValue ev)
                {
                    Transcribe("QMP recv: " + QmpRedactor.Reply(null, null, obj));
                    var ts = obj["timestamp"];
                    var when = ts is null ? DateTimeOffset.UtcNow
                        : DateTimeOffset.FromUnixTimeMilliseconds((long)ts["seconds"]! * 1000 + (long)ts["microseconds"]! / 1000);
                    _events.Writer.TryWrite(new QmpEvent(ev.ToString(), obj["data"] as JsonObject, when));
                }
                else if (obj["id"] is JsonValue idv && idv.TryGetValue<long>(out var id))
                    OnReply(id, obj);
                else
                    Transcribe("QMP recv: " + QmpRedactor.Reply(null, null, obj));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Text.Json.JsonException or OperationCanceledException) { }
        finally
        {
            MarkClosed("QMP connection closed (QEMU exited?)");
            _closed.TrySetResult();
            _events.Writer.TryComplete();
        }
    }

    /// <summary>From now on commands fail as disconnected; the ones waiting fail now.</summary>
    private void MarkClosed(string reason)
    {
        List<PendingCommand> failed;
        lock (_gate)
        {
            _closedReason ??= reason;
            failed = [.. _pending.Values];
            _pending.Clear();
            _abandoned.Clear();
        }
        foreach (var p in failed) p.Reply.TrySetException(new QmpDisconnectedException(_closedReason));
    }
}
