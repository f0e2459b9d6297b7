using Microsoft.Extensions.Logging;

namespace Vireo.Host;

/// <summary>
/// Changes Vireo.Host makes to the host that an operator needs to see: PCI devices moved between drivers for
/// VFIO, log files whose mode let others read them; event ids 4000-4099.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information, "Host PCI device {Address}: moved from {Driver} to vfio-pci")]
    public static partial void MovedToVfio(ILogger logger, string address, string driver);

    [LoggerMessage(4001, LogLevel.Information, "Host PCI device {Address}: given back to its host driver ({Driver})")]
    public static partial void GivenBack(ILogger logger, string address, string driver);

    [LoggerMessage(4002, LogLevel.Warning, "Host PCI device {Address} did not bind to vfio-pci within {Seconds} s; given back to its host driver")]
    public static partial void BindTimedOut(ILogger logger, string address, double seconds);

    [LoggerMessage(4003, LogLevel.Warning, "Host PCI device {Address} cannot be assigned, so it was given back to its host driver: {Message}")]
    public static partial void NotAssignable(ILogger logger, string address, string message);

    [LoggerMessage(4010, LogLevel.Warning, "Log file {Path} had mode {Mode}, wider than the log mode {LogMode}{Group}: narrowed")]
    public static partial void LogModeNarrowed(ILogger logger, string path, string mode, string logMode, string group);
}
