namespace Vireo.Qemu.Qmp;

/// <summary>
/// QEMU's monitor did not answer in time: a command had no reply within its timeout, an earlier command is
/// still unanswered (so this one was not sent), or the connection never greeted. The message names the
/// command and says the monitor is not answering, as the error a user sees.
/// </summary>
public sealed class QmpTimeoutException : QmpException
{
    private QmpTimeoutException(string? command, TimeSpan timeout, string? stuckCommand, string message) : base(command, message)
    {
        Timeout = timeout;
        StuckCommand = stuckCommand ?? command;
    }

    /// <summary>How long the client waited.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The command QEMU has not answered: this one, or an earlier one this command was refused behind.</summary>
    public string? StuckCommand { get; }

    internal static QmpTimeoutException NoReply(string? owner, string command, TimeSpan timeout) =>
        new(command, timeout, null, $"{Prefix(owner)}no reply to '{command}' within {Seconds(timeout)} s");

    internal static QmpTimeoutException StillStuck(string? owner, string command, QmpStall stall) =>
        new(command, stall.Timeout, stall.Command,
            $"{Prefix(owner)}'{stall.Command}' has had no reply for {Seconds(DateTimeOffset.UtcNow - stall.SentAt)} s, so '{command}' was not sent");

    internal static QmpTimeoutException NoGreeting(string? owner, TimeSpan timeout) =>
        new(null, timeout, null, $"{Prefix(owner)}no QMP greeting within {Seconds(timeout)} s");

    internal static QmpTimeoutException NotSent(string? owner, string command, TimeSpan timeout) =>
        new(command, timeout, null, $"{Prefix(owner)}'{command}' could not be sent within {Seconds(timeout)} s; the connection is dropped");

    private static string Prefix(string? owner) =>
        $"Timed out during operation: QEMU monitor{(owner is null ? "" : " of " + owner)} is not answering: ";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A command was abandoned before QEMU answered it, by <see cref="QmpClient.AbortPending"/> (a destroy does that).</summary>
public sealed class QmpAbortedException(string command, string? owner, string reason)
    : QmpException(command, $"operation failed: QEMU monitor{(owner is null ? "" : " of " + owner)} command '{command}' abandoned: {reason}");

/// <summary>Why the monitor counts as not answering: the command that timed out, when it was sent and the timeout it had.</summary>
public sealed record QmpStall(string Command, DateTimeOffset SentAt, TimeSpan Timeout);
