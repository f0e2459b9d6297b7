using Microsoft.Extensions.Logging;

namespace Vireo.Daemon.Domains;

/// <summary>Domain lifecycle log messages; event ids 1000-1099.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Domain {Name} defined with uuid {Uuid}")]
    public static partial void Defined(ILogger logger, string name, Guid uuid);

    [LoggerMessage(1001, LogLevel.Information, "Domain {Name} started, QEMU pid {Pid}")]
    public static partial void Started(ILogger logger, string name, int pid);

    [LoggerMessage(1002, LogLevel.Information, "Domain {Name} stopped: {Reason} ({Detail})")]
    public static partial void Stopped(ILogger logger, string name, string reason, string detail);

    [LoggerMessage(1003, LogLevel.Information, "Reconnected to domain {Name}, QEMU pid {Pid}")]
    public static partial void Reconnected(ILogger logger, string name, int pid);

    [LoggerMessage(1004, LogLevel.Information, "Autostarted domain {Name}")]
    public static partial void Autostarted(ILogger logger, string name);

    [LoggerMessage(1005, LogLevel.Error, "Autostart of domain {Name} failed: {Message}")]
    public static partial void AutostartFailed(ILogger logger, string name, string message);

    [LoggerMessage(1006, LogLevel.Error, "Definition refused: {Message}")]
    public static partial void BadDefinition(ILogger logger, string message);

    [LoggerMessage(1007, LogLevel.Error, "Discarding unreadable status file of {Name}: {Message}")]
    public static partial void BadStatus(ILogger logger, string name, string message);

    [LoggerMessage(1009, LogLevel.Warning, "Domain {Name}: kept in the definition but not applied: {Elements}")]
    public static partial void NotApplied(ILogger logger, string name, string elements);

    [LoggerMessage(1008, LogLevel.Warning, "Cannot write the log of domain {Name}: {Message}")]
    public static partial void DomainLogFailed(ILogger logger, string name, string message);

    [LoggerMessage(1010, LogLevel.Warning, "Domain {Name}: the QEMU monitor (pid {Pid}) is not answering: no reply to '{Command}'")]
    public static partial void MonitorNotAnswering(ILogger logger, string name, int pid, string command);

    [LoggerMessage(1011, LogLevel.Information, "Domain {Name}: the QEMU monitor (pid {Pid}) answers again")]
    public static partial void MonitorAnswering(ILogger logger, string name, int pid);
}
