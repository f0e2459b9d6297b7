using System.Text.Json.Nodes;
using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Core.Network;
using Vireo.Host.Files;
using Vireo.Host.Processes;
using Vireo.Network.Dnsmasq;
using Vireo.Network.Nft;

namespace Vireo.Network.Bridge;

/// <summary>
/// Runs the networks that have a bridge of their own (nat, route, open, isolated): the Linux bridge
/// with its addresses, dnsmasq for DHCP and DNS, and the nftables table. Every step of a start is
/// undone, newest first, when a later one fails.
/// </summary>
public sealed class BridgeNetworkDriver(IProcessRunner runner, string stateDir, string procSys = "/proc/sys")
{
    /// <summary>The network's files; its name is checked again here since it becomes part of each file name.</summary>
    public DnsmasqPaths PathsFor(string network)
    {
        var name = ObjectName.EnsureValid(network, "network");
        return new(Path.Combine(stateDir, name + ".conf"), Path.Combine(stateDir, name + ".hostsfile"),
            Path.Combine(stateDir, name + ".addnhosts"), Path.Combine(stateDir, name + ".leases"), Path.Combine(stateDir, name + ".pid"));
    }

    /// <summary>Interface names that exist now (ip -j link).</summary>
    public async Task<HashSet<string>> LinksAsync(CancellationToken ct)
    {
        var r = await runner.RunAsync(["ip", "-j", "link", "show"], ct: ct);
        return (JsonNode.Parse(r.Stdout) as JsonArray ?? []).Select(l => (string?)l?["ifname"]).Where(n => n is not null).Select(n => n!).ToHashSet();
    }

    /// <summary>Routes of this host that are not Vireo's own bridges: a network subnet overlapping one is refused.</summary>
    public async Task<List<(IpNetwork Subnet, string Dev)>> HostRoutesAsync(IEnumerable<string> ownBridges, CancellationToken ct)
    {
        var own = ownBridges.ToHashSet();
        var routes = new List<(IpNetwork, string)>();
        foreach (var fam in new[] { "-4", "-6" })
        {
            var r = await runner.RunAsync(["ip", "-j", fam, "route", "show"], check: false, ct: ct);
            if (r.ExitCode != 0 || r.Stdout.Trim().Length == 0) continue;
            foreach (var route in JsonNode.Parse(r.Stdout) as JsonArray ?? [])
            {
                var dst = (string?)route?["dst"];
                var dev = (string?)route?["dev"] ?? "";
                if (dst is null || dst == "default" || own.Contains(dev) || dst.StartsWith("fe80")) continue;
                try { routes.Add((IpNetwork.Parse(dst), dev)); } catch (FormatException) { }
            }
        }
        return routes;
    }

    public async Task StartAsync(NetworkDefinition n, IReadOnlyList<NetworkDefinition> otherActive, CancellationToken ct)
    {
        var undo = new Stack<Func<Task>>();
        var bridge = n.BridgeName!;
        try
        {
            await runner.RunAsync(["ip", "link", "add", "name", bridge, "type", "bridge", "stp_state", n.Stp ? "1" : "0",
                "forward_delay", (n.BridgeDelay * 100).ToString()], ct: ct);
            undo.Push(() => runner.RunAsync(["ip", "link", "del", bridge], check: false));
            if (n.MacAddress is { } mac) await runner.RunAsync(["ip", "link", "set", "dev", bridge, "address", mac], ct: ct);
            if (n.Mtu is { } mtu) await runner.RunAsync(["ip", "link", "set", "dev", bridge, "mtu", mtu.ToString()], ct: ct);
            foreach (var ip in n.Ips)
                await runner.RunAsync(["ip", "addr", "add", $"{ip.Address}/{ip.Prefix}", "dev", bridge], ct: ct);
            await runner.RunAsync(["ip", "link", "set", "dev", bridge, "up"], ct: ct);
            if (n.ForwardMode is "nat" or "route" or "open") EnableForwarding(n);
            await ApplyRulesAsync([.. otherActive, n], ct);
            undo.Push(() => ApplyRulesAsync(otherActive, CancellationToken.None));
            if (NeedsDnsmasq(n)) await StartDnsmasqAsync(n, ct);
        }
        catch (Exception e)
        {
            while (undo.Count > 0)
                try { await undo.Pop()(); } catch (Exception) { /* keep undoing */ }
            if (e is VireoException) throw;
            throw new VireoException(ErrorCode.OperationFailed, $"network '{n.Name}' could not be started: {e.Message}");
        }
    }

    private void EnableForwarding(NetworkDefinition n)
    {
        if (n.Ips.Any(i => !i.IsIPv6)) File.WriteAllText(Path.Combine(procSys, "net/ipv4/ip_forward"), "1\n");
        if (n.Ips.Any(i => i.IsIPv6)) File.WriteAllText(Path.Combine(procSys, "net/ipv6/conf/all/forwarding"), "1\n");
    }

    public static bool NeedsDnsmasq(NetworkDefinition n) =>
        n.Ips.Count > 0 && (n.DnsEnabled || n.Ips.Any(i => i.Ranges.Count > 0 || i.Hosts.Count > 0));

    public Task ApplyRulesAsync(IEnumerable<NetworkDefinition> active, CancellationToken ct) =>
        runner.RunAsync(["nft", "-f", "-"], ct: ct, stdin: NftRuleset.Render(active));

    public async Task StartDnsmasqAsync(NetworkDefinition n, CancellationToken ct)
    {
        // dnsmasq reads its hosts files after dropping root: they (and their directory) must be world-readable.
        Directory.CreateDirectory(stateDir);
        File.SetUnixFileMode(stateDir, (UnixFileMode)0b111_101_101);
        var p = PathsFor(n.Name);
        AtomicFile.WriteAllText(p.Conf, DnsmasqConfig.Render(n, p), DnsmasqReadable);
        WriteHostsFiles(n, p);
        if (!File.Exists(p.LeaseFile)) File.WriteAllText(p.LeaseFile, "");
        // A dnsmasq that died is vireod's zombie child (vireod is the subreaper) until someone waits for it.
        if (PidInFile(p.PidFile) is { } previous) Host.Processes.ChildReaper.TryReap(previous);
        File.Delete(p.PidFile);
        // dnsmasq daemonizes; vireod is the child subreaper, so it stays vireod's child.
        await runner.RunAsync(["dnsmasq", "--conf-file=" + p.Conf], ct: ct);
        for (var i = 0; i < 50 && DnsmasqPid(n.Name) is null; i++) await Task.Delay(20, ct);
        if (DnsmasqPid(n.Name) is null) throw new VireoException(ErrorCode.OperationFailed, $"dnsmasq for network '{n.Name}' did not start");
    }

    /// <summary>The pid of this network's running dnsmasq, checked against /proc (a stale pid file or a reused pid is not it).</summary>
    public int? DnsmasqPid(string network)
    {
        var p = PathsFor(network);
        if (PidInFile(p.PidFile) is not { } pid) return null;
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return cmdline.Contains("dnsmasq") && cmdline.Contains(p.Conf) && !stat.Contains(") Z ") ? pid : null;
        }
        catch (IOException) { return null; }
    }

    private static int? PidInFile(string pidFile) =>
        File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && pid > 0 ? pid : null;

    /// <summary>net-update and friends: dnsmasq rereads its hosts files on SIGHUP.</summary>
    public void ReloadDnsmasq(NetworkDefinition n)
    {
        var p = PathsFor(n.Name);
        WriteHostsFiles(n, p);
        if (DnsmasqPid(n.Name) is { } pid) Host.Interop.LibC.kill(pid, 1 /* SIGHUP */);
    }

    private const UnixFileMode DnsmasqReadable = (UnixFileMode)0b110_100_100;

    // A running dnsmasq rereads these on SIGHUP: it must never see half of one.
    private static void WriteHostsFiles(NetworkDefinition n, DnsmasqPaths p)
    {
        AtomicFile.WriteAllText(p.HostsFile, DnsmasqConfig.HostsFile(n), DnsmasqReadable);
        AtomicFile.WriteAllText(p.AddnHosts, DnsmasqConfig.AddnHosts(n), DnsmasqReadable);
    }

    public async Task StopAsync(NetworkDefinition n, IReadOnlyList<NetworkDefinition> stillActive, CancellationToken ct)
    {
        if (DnsmasqPid(n.Name) is { } pid) await StopProcessAsync(pid, ct);
        File.Delete(PathsFor(n.Name).PidFile);
        await runner.RunAsync(["ip", "link", "del", n.BridgeName!], check: false, ct: ct);
        await ApplyRulesAsync(stillActive, ct);
    }

    /// <summary>SIGTERM, SIGKILL after 2 s, and the wait that reaps it (it is vireod's child: no zombie is left).</summary>
    private static async Task StopProcessAsync(int pid, CancellationToken ct)
    {
        using var watcher = Host.Processes.PidWatcher.Open(pid);
        Host.Interop.LibC.kill(pid, Host.Interop.LibC.SIGTERM);
        if (watcher is not null)
        {
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(ct);
            grace.CancelAfter(TimeSpan.FromSeconds(2));
            try { await watcher.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Host.Interop.LibC.kill(pid, Host.Interop.LibC.SIGKILL);
                await watcher.WaitForExitAsync(ct);
            }
        }
        Host.Processes.ChildReaper.TryReap(pid);
    }

    /// <summary>net-dhcp-leases: dnsmasq's lease file ("expiry mac ip hostname clientid").</summary>
    public IReadOnlyList<(DateTimeOffset Expiry, string Mac, string Ip, string? Hostname, string? ClientId)> Leases(string network)
    {
        var f = PathsFor(network).LeaseFile;
        if (!File.Exists(f)) return [];
        return File.ReadAllLines(f).Select(l => l.Split(' ')).Where(p => p.Length >= 4).Select(p =>
            (DateTimeOffset.FromUnixTimeSeconds(long.TryParse(p[0], out var t) ? t : 0), p[1], p[2], p[3] == "*" ? null : p[3], p.Length > 4 && p[4] != "*" ? p[4] : null)).ToList();
    }
}
