namespace Vireo.Qemu.Qmp;

/// <summary>QEMU refused a command; keeps QEMU's error class and description.</summary>
public sealed class QmpErrorException(string command, string errorClass, string description)
    : Exception($"QEMU refused '{command}': {description} ({errorClass})")
{
    public string Command { get; } = command;
    public string ErrorClass { get; } = errorClass;
    public string Description { get; } = description;
}

/// <summary>The QMP connection closed, almost always because QEMU exited.</summary>
public sealed class QmpDisconnectedException(string message) : Exception(message);
