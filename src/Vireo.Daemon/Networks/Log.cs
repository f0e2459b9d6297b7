using Microsoft.Extensions.Logging;

namespace Vireo.Daemon.Networks;

/// <summary>
/// Network log messages of the daemon; event ids 4000-4049 (Vireo.Network's backends have 4050-4099).
/// Starts and stops log what ran with the network named.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Information, "Network {Name} defined with uuid {Uuid}")]
    public static partial void Defined(ILogger logger, string name, Guid uuid);

    [LoggerMessage(2001, LogLevel.Information, "Network {Name} undefined")]
    public static partial void Undefined(ILogger logger, string name);

    [LoggerMessage(2002, LogLevel.Error, "Network definition refused: {Message}")]
    public static partial void BadDefinition(ILogger logger, string message);

    [LoggerMessage(2003, LogLevel.Error, "The default network was not defined: {Message}")]
    public static partial void DefaultNetworkFailed(ILogger logger, string message);

    [LoggerMessage(2004, LogLevel.Error, "Network {Name} could not be started: {Message}")]
    public static partial void AutostartFailed(ILogger logger, string name, string message);

    [LoggerMessage(2005, LogLevel.Error, "Running network state {Name} is damaged and was dropped: {Message}")]
    public static partial void DamagedLiveState(ILogger logger, string name, string message);

    [LoggerMessage(2006, LogLevel.Error, "Network {Name} was adopted with a problem: {Message}")]
    public static partial void AdoptedWithProblem(ILogger logger, string name, string message);

    [LoggerMessage(2007, LogLevel.Warning, "dnsmasq of network {Name} had exited; it was started again")]
    public static partial void DnsmasqRevived(ILogger logger, string name);

    [LoggerMessage(2008, LogLevel.Error, "Restarting dnsmasq of network {Name} failed: {Message}")]
    public static partial void DnsmasqReviveFailed(ILogger logger, string name, string message);

    [LoggerMessage(2009, LogLevel.Error, "Network {Name}: {Message}")]
    public static partial void UndoFailed(ILogger logger, string name, string message);

    [LoggerMessage(2010, LogLevel.Information, "Network {Name} started ({Type}){Vfs}")]
    public static partial void Started(ILogger logger, string name, string type, string vfs);

    [LoggerMessage(2011, LogLevel.Information, "Network {Name} stopped")]
    public static partial void Stopped(ILogger logger, string name);

    [LoggerMessage(2012, LogLevel.Information, "Network {Name} adopted: it was running when vireod last stopped")]
    public static partial void Adopted(ILogger logger, string name);

    [LoggerMessage(2013, LogLevel.Information, "Network {Name} was running when vireod last stopped but is gone now")]
    public static partial void GoneWhileAway(ILogger logger, string name);

    [LoggerMessage(2014, LogLevel.Information, "Network {Name}: {Section} {Command} applied ({Where})")]
    public static partial void Updated(ILogger logger, string name, string section, string command, string where);

    /// <summary>A Rollback whose failed undo steps reach the log with the network named.</summary>
    public static Core.Operations.Rollback Undo(ILogger logger, string name) => new(message => UndoFailed(logger, name, message));
}
