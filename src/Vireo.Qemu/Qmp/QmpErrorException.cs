namespace Vireo.Qemu.Qmp;

/// <summary>Every failure of a QMP command: QEMU refused it, the connection closed, no reply came in time, or it was abandoned.</summary>
public abstract class QmpException(string? command, string message) : Exception(message)
{
    /// <summary>The command that failed; null when the connection itself failed.</summary>
    public string? Command { get; } = command;
}

/// <summary>QEMU refused a command; keeps QEMU's error class and description.</summary>
public sealed class QmpErrorException(string command, string errorClass, string description)
    : QmpException(command, $"QEMU refused '{command}': {description} ({errorClass})")
{
    public string ErrorClass { get; } = errorClass;
    public string Description { get; } = description;
}

/// <summary>The QMP connection closed, almost always because QEMU exited.</summary>
public sealed class QmpDisconnectedException(string message) : QmpException(null, message);
