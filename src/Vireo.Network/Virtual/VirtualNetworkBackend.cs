using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Core.Operations;
using Vireo.Host.Processes;
using Vireo.Network.Dnsmasq;
using Vireo.Network.Nft;

namespace Vireo.Network.Virtual;

/// <summary>
/// nat, route, open and isolated networks, on a bridge of vireod's own: the Linux bridge with its addresses,
/// the networks' rules in the single <c>inet vireo</c> nftables table (replaced whole, atomically, on every
/// start and stop), and dnsmasq for DHCP and DNS. A start undoes every step it made when a later one fails.
/// </summary>
public sealed class VirtualNetworkBackend(IProcessRunner runner, DnsmasqService dnsmasq, HostInterfaces host, string procSys = "/proc/sys",
    ILogger? logger = null) : INetworkBackend
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public string Type => "virtual";

    public NetworkCapabilities Capabilities => NetworkCapabilities.OwnBridge | NetworkCapabilities.DhcpDns | NetworkCapabilities.GuestTaps;

    public async Task StartAsync(NetworkDefinition n, IReadOnlyList<NetworkDefinition> otherActive, CancellationToken ct)
    {
        if (n.VirtualPortType is { } port)
            throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported network-wide <virtualport type='{port}'> element in network {n.Name} with forward mode='{n.ForwardMode ?? "none"}'");
        var bridge = n.BridgeName!;
        var undoFailures = new List<string>();
        var undo = new Rollback(failure =>
        {
            undoFailures.Add(failure);
            Log.UndoFailed(_logger, n.Name, failure);
        });
        try
        {
            await runner.RunAsync(["ip", "link", "add", "name", bridge, "type", "bridge", "stp_state", n.Stp ? "1" : "0",
                "forward_delay", (n.BridgeDelay * 100).ToString(CultureInfo.InvariantCulture)], ct: ct);
            undo.Add($"bridge {bridge}", () => runner.RunAsync(["ip", "link", "del", bridge], check: false));
            if (n.MacAddress is { } mac) await runner.RunAsync(["ip", "link", "set", "dev", bridge, "address", mac], ct: ct);
            if (n.Mtu is { } mtu) await runner.RunAsync(["ip", "link", "set", "dev", bridge, "mtu", mtu.ToString(CultureInfo.InvariantCulture)], ct: ct);
            foreach (var ip in n.Ips)
            {
                var address = $"{ip.Address}/{ip.Prefix}";
                await runner.RunAsync(["ip", "addr", "add", address, "dev", bridge], ct: ct);
                undo.Add($"address {address} on {bridge}", () => runner.RunAsync(["ip", "addr", "del", address, "dev", bridge], check: false));
            }
            await runner.RunAsync(["ip", "link", "set", "dev", bridge, "up"], ct: ct);
            Log.BridgeUp(_logger, n.Name, bridge, n.Ips.Count == 0 ? "" : " with " + string.Join(", ", n.Ips.Select(i => $"{i.Address}/{i.Prefix}")));
            if (n.ForwardMode is "nat" or "route" or "open") EnableForwarding(n);
            await ApplyRulesAsync([.. otherActive, n], ct);
            undo.Add("nftables rules", () => ApplyRulesAsync(otherActive, CancellationToken.None));
            if (DnsmasqService.Needed(n)) await dnsmasq.StartAsync(n, undo, ct);
            undo.Commit();
        }
        catch (Exception e)
        {
            await undo.DisposeAsync();
            var message = e is VireoException ? e.Message : $"network '{n.Name}' could not be started: {e.Message}";
            // What could not be undone is still on the host: the error says so.
            if (undoFailures.Count > 0) message += "; " + string.Join("; ", undoFailures);
            else if (e is VireoException) throw;
            throw new VireoException((e as VireoException)?.Code ?? ErrorCode.OperationFailed, message, inner: e);
        }
    }

    // Not undone, as libvirt does not: forwarding is one switch for the whole host, which other networks may need.
    private void EnableForwarding(NetworkDefinition n)
    {
        if (n.Ips.Any(i => !i.IsIPv6)) SwitchOn(n, "IPv4", "net/ipv4/ip_forward");
        if (n.Ips.Any(i => i.IsIPv6)) SwitchOn(n, "IPv6", "net/ipv6/conf/all/forwarding");
    }

    private void SwitchOn(NetworkDefinition n, string family, string setting)
    {
        var file = Path.Combine(procSys, setting);
        var was = File.Exists(file) ? File.ReadAllText(file).Trim() : "";
        File.WriteAllText(file, "1\n");
        if (was != "1") Log.ForwardingOn(_logger, n.Name, family);
    }

    private async Task ApplyRulesAsync(IReadOnlyList<NetworkDefinition> active, CancellationToken ct)
    {
        await runner.RunAsync(["nft", "-f", "-"], ct: ct, stdin: NftRuleset.Render(active));
        Log.RulesApplied(_logger, active.Count, active.Count == 0 ? "" : ": " + string.Join(", ", active.Select(a => a.Name)));
    }

    public async Task StopAsync(NetworkDefinition live, IReadOnlyList<NetworkDefinition> stillActive, CancellationToken ct)
    {
        await dnsmasq.StopAsync(live.Name, ct);
        var removed = await runner.RunAsync(["ip", "link", "del", live.BridgeName!], check: false, ct: ct);
        if (removed.ExitCode == 0) Log.BridgeRemoved(_logger, live.Name, live.BridgeName!);
        await ApplyRulesAsync(stillActive, ct);
    }

    /// <summary>A network whose bridge went away while vireod was down is no longer running.</summary>
    public async Task<bool> AdoptAsync(NetworkDefinition live, CancellationToken ct)
    {
        if (!(await host.LinksAsync(ct)).Contains(live.BridgeName!)) return false;
        await ReviveAsync(live, ct);
        return true;
    }

    public NetworkPlug PlugOf(NetworkDefinition live) => new(live.Name, live.BridgeName, null, null, [], []);

    public async Task<bool> ReviveAsync(NetworkDefinition live, CancellationToken ct)
    {
        if (!DnsmasqService.Needed(live) || dnsmasq.Pid(live.Name) is not null) return false;
        await StartDnsmasqAsync(live, ct);
        return true;
    }

    public async Task ApplyUpdateAsync(NetworkDefinition live, string section, CancellationToken ct)
    {
        var running = dnsmasq.Pid(live.Name) is not null;
        if (running && DnsmasqService.Needed(live) && section is "ip-dhcp-host" or "dns-host")
        {
            dnsmasq.Reload(live);
            return;
        }
        // Ranges and records live in dnsmasq's configuration: it starts again with the new one.
        await dnsmasq.StopAsync(live.Name, ct);
        if (DnsmasqService.Needed(live)) await StartDnsmasqAsync(live, ct);
    }

    private async Task StartDnsmasqAsync(NetworkDefinition live, CancellationToken ct)
    {
        await using var undo = Log.Undo(_logger, live.Name);
        await dnsmasq.StartAsync(live, undo, ct);
        undo.Commit();
    }

    public IReadOnlyList<DhcpLease> Leases(NetworkDefinition live) => dnsmasq.Leases(live.Name);
}
