using Microsoft.Extensions.Logging;

namespace Vireo.Network;

/// <summary>
/// What the network backends and the NIC plumbing change on the host (bridges, the nftables table, dnsmasq,
/// guest NICs' host side) and undo steps that failed; event ids 2100-2199.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(2100, LogLevel.Information, "Network {Network}: bridge {Bridge} up{Addresses}")]
    public static partial void BridgeUp(ILogger logger, string network, string bridge, string addresses);

    [LoggerMessage(2101, LogLevel.Information, "Network {Network}: bridge {Bridge} removed")]
    public static partial void BridgeRemoved(ILogger logger, string network, string bridge);

    [LoggerMessage(2102, LogLevel.Information, "nftables table inet vireo now holds the rules of {Count} network(s){Networks}")]
    public static partial void RulesApplied(ILogger logger, int count, string networks);

    [LoggerMessage(2103, LogLevel.Information, "Network {Network}: {Family} forwarding switched on for the host")]
    public static partial void ForwardingOn(ILogger logger, string network, string family);

    [LoggerMessage(2104, LogLevel.Warning, "Network {Network}: {Message}")]
    public static partial void UndoFailed(ILogger logger, string network, string message);

    [LoggerMessage(2110, LogLevel.Information, "Network {Network}: dnsmasq started, pid {Pid}")]
    public static partial void DnsmasqStarted(ILogger logger, string network, int pid);

    [LoggerMessage(2111, LogLevel.Warning, "Network {Network}: dnsmasq failed to start: {Message}")]
    public static partial void DnsmasqFailed(ILogger logger, string network, string message);

    [LoggerMessage(2112, LogLevel.Information, "Network {Network}: dnsmasq pid {Pid} stopped")]
    public static partial void DnsmasqStopped(ILogger logger, string network, int pid);

    [LoggerMessage(2113, LogLevel.Warning, "Network {Network}: dnsmasq pid {Pid} still running 2 s after SIGTERM: sending SIGKILL")]
    public static partial void DnsmasqKilled(ILogger logger, string network, int pid);

    [LoggerMessage(2114, LogLevel.Debug, "Network {Network}: dnsmasq pid {Pid} rereads its hosts files (SIGHUP)")]
    public static partial void DnsmasqReloaded(ILogger logger, string network, int pid);

    [LoggerMessage(2120, LogLevel.Information, "Guest NIC {Link} ({Mac}): plugged, {Where}")]
    public static partial void NicPlugged(ILogger logger, string link, string mac, string where);

    [LoggerMessage(2121, LogLevel.Information, "Guest NIC {Link}: {What} removed")]
    public static partial void NicReleased(ILogger logger, string link, string what);

    [LoggerMessage(2122, LogLevel.Warning, "Guest NIC {Link}: {Message}")]
    public static partial void NicUndoFailed(ILogger logger, string link, string message);

    [LoggerMessage(2123, LogLevel.Information, "Host interface {Device}: its own MAC {Mac} is back after passthrough")]
    public static partial void LowerMacRestored(ILogger logger, string device, string mac);

    [LoggerMessage(2124, LogLevel.Information, "SR-IOV virtual function {Index} of {Pf}: MAC {Mac}{Vlan} set")]
    public static partial void VfMacSet(ILogger logger, string pf, int index, string mac, string vlan);

    /// <summary>A Rollback whose failed undo steps reach the log with the network named.</summary>
    public static Core.Operations.Rollback Undo(ILogger logger, string network) => new(message => UndoFailed(logger, network, message));
}
