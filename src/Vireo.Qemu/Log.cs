using Microsoft.Extensions.Logging;

namespace Vireo.Qemu;

/// <summary>
/// What the QEMU driver does to QEMU processes that vireod's operator needs to see (a launch that failed or
/// was killed, a destroy that had to use SIGKILL); event ids 1100-1199. The monitor transcript and QEMU's own
/// words go to the domain's log, not here.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Debug, "Domain {Name}: launching {Emulator} (it has {Seconds} s to initialise)")]
    public static partial void Launching(ILogger logger, string name, string emulator, double seconds);

    [LoggerMessage(1101, LogLevel.Warning, "Domain {Name}: QEMU failed to start: {Message}")]
    public static partial void LaunchFailed(ILogger logger, string name, string message);

    [LoggerMessage(1102, LogLevel.Error, "Domain {Name}: QEMU did not finish starting within {Seconds} s and was killed")]
    public static partial void LaunchTimedOut(ILogger logger, string name, double seconds);

    [LoggerMessage(1103, LogLevel.Debug, "Domain {Name}: QEMU pid {Pid} initialised, monitor at {Socket}")]
    public static partial void Launched(ILogger logger, string name, int pid, string socket);

    [LoggerMessage(1104, LogLevel.Warning, "Domain {Name}: QEMU pid {Pid} started but its monitor could not be reached, so it was killed: {Message}")]
    public static partial void AttachAfterLaunchFailed(ILogger logger, string name, int pid, string message);

    [LoggerMessage(1110, LogLevel.Information, "QEMU pid {Pid} of {Owner}: destroying{How}")]
    public static partial void Destroying(ILogger logger, int pid, string owner, string how);

    [LoggerMessage(1111, LogLevel.Warning, "QEMU pid {Pid} of {Owner} is still running {Seconds} s after SIGTERM: sending SIGKILL")]
    public static partial void Killing(ILogger logger, int pid, string owner, double seconds);

    [LoggerMessage(1112, LogLevel.Error, "QEMU pid {Pid} of {Owner} is still there {Seconds} s after SIGKILL (blocked in the kernel? see its /proc/PID/stack)")]
    public static partial void KillFailed(ILogger logger, int pid, string owner, double seconds);
}
