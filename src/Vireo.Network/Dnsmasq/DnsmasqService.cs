using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Core.Network;
using Vireo.Core.Operations;
using Vireo.Host.Files;
using Vireo.Host.Interop;
using Vireo.Host.Processes;

namespace Vireo.Network.Dnsmasq;

/// <summary>
/// One dnsmasq per network, daemonized as vireod's child (vireod is the child subreaper) and recognised
/// later by its pid file checked against /proc/PID/cmdline. Its files live in one directory that is
/// world-readable, since dnsmasq drops root before reading them.
/// </summary>
public sealed class DnsmasqService(IProcessRunner runner, string stateDir, ILogger? logger = null)
{
    private const UnixFileMode DnsmasqReadable = (UnixFileMode)0b110_100_100;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Whether the network needs dnsmasq at all: addresses, and DNS or something to hand out.</summary>
    public static bool Needed(NetworkDefinition n) =>
        n.Ips.Count > 0 && (n.DnsEnabled || n.Ips.Any(i => i.Ranges.Count > 0 || i.Hosts.Count > 0));

    /// <summary>The network's files; its name is checked again here since it becomes part of each file name.</summary>
    public DnsmasqPaths PathsFor(string network)
    {
        var name = ObjectName.EnsureValid(network, "network");
        return new(Path.Combine(stateDir, name + ".conf"), Path.Combine(stateDir, name + ".hostsfile"),
            Path.Combine(stateDir, name + ".addnhosts"), Path.Combine(stateDir, name + ".leases"), Path.Combine(stateDir, name + ".pid"));
    }

    /// <summary>Writes the configuration and starts dnsmasq; how to stop it goes to <paramref name="undo"/>.</summary>
    public async Task StartAsync(NetworkDefinition n, Rollback undo, CancellationToken ct)
    {
        Directory.CreateDirectory(stateDir);
        File.SetUnixFileMode(stateDir, (UnixFileMode)0b111_101_101);
        var p = PathsFor(n.Name);
        AtomicFile.WriteAllText(p.Conf, DnsmasqConfig.Render(n, p), DnsmasqReadable);
        WriteHostsFiles(n, p);
        if (!File.Exists(p.LeaseFile)) File.WriteAllText(p.LeaseFile, "");
        // A dnsmasq that died is vireod's zombie child until someone waits for it.
        if (PidInFile(p.PidFile) is { } previous) ChildReaper.TryReap(previous);
        File.Delete(p.PidFile);
        try { await runner.RunAsync(["dnsmasq", "--conf-file=" + p.Conf], ct: ct); }
        catch (ProcessFailedException e)
        {
            Log.DnsmasqFailed(_logger, n.Name, e.Message);
            throw;
        }
        undo.Add($"dnsmasq of network {n.Name}", () => StopAsync(n.Name, CancellationToken.None));
        for (var i = 0; i < 50 && Pid(n.Name) is null; i++) await Task.Delay(20, ct);
        if (Pid(n.Name) is not { } pid)
        {
            Log.DnsmasqFailed(_logger, n.Name, "it left no running process behind its pid file");
            throw new VireoException(ErrorCode.OperationFailed, $"dnsmasq for network '{n.Name}' did not start");
        }
        Log.DnsmasqStarted(_logger, n.Name, pid);
    }

    /// <summary>The pid of this network's running dnsmasq, checked against /proc (a stale pid file or a reused pid is not it).</summary>
    public int? Pid(string network)
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

    /// <summary>net-update of hosts: dnsmasq rereads its hosts files on SIGHUP.</summary>
    public void Reload(NetworkDefinition n)
    {
        WriteHostsFiles(n, PathsFor(n.Name));
        if (Pid(n.Name) is { } pid)
        {
            LibC.kill(pid, 1 /* SIGHUP */);
            Log.DnsmasqReloaded(_logger, n.Name, pid);
        }
    }

    // A running dnsmasq rereads these on SIGHUP: it must never see half of one.
    private static void WriteHostsFiles(NetworkDefinition n, DnsmasqPaths p)
    {
        AtomicFile.WriteAllText(p.HostsFile, DnsmasqConfig.HostsFile(n), DnsmasqReadable);
        AtomicFile.WriteAllText(p.AddnHosts, DnsmasqConfig.AddnHosts(n), DnsmasqReadable);
    }

    /// <summary>SIGTERM, SIGKILL after 2 s, and the wait that reaps it (it is vireod's child: no zombie is left).</summary>
    public async Task StopAsync(string network, CancellationToken ct)
    {
        if (Pid(network) is { } pid)
        {
            using var watcher = PidWatcher.Open(pid);
            LibC.kill(pid, LibC.SIGTERM);
            if (watcher is not null)
            {
                using var grace = CancellationTokenSource.CreateLinkedTokenSource(ct);
                grace.CancelAfter(TimeSpan.FromSeconds(2));
                try { await watcher.WaitForExitAsync(grace.Token); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    Log.DnsmasqKilled(_logger, network, pid);
                    LibC.kill(pid, LibC.SIGKILL);
                    await watcher.WaitForExitAsync(ct);
                }
            }
            ChildReaper.TryReap(pid);
            Log.DnsmasqStopped(_logger, network, pid);
        }
        // The directory exists only once some network ran dnsmasq.
        if (File.Exists(PathsFor(network).PidFile)) File.Delete(PathsFor(network).PidFile);
    }

    /// <summary>net-dhcp-leases: dnsmasq's lease file ("expiry mac ip hostname clientid").</summary>
    public IReadOnlyList<DhcpLease> Leases(string network)
    {
        var f = PathsFor(network).LeaseFile;
        if (!File.Exists(f)) return [];
        return File.ReadAllLines(f).Select(l => l.Split(' ')).Where(p => p.Length >= 4).Select(p => new DhcpLease(
            DateTimeOffset.FromUnixTimeSeconds(long.TryParse(p[0], out var t) ? t : 0), p[1], p[2],
            p[3] == "*" ? null : p[3], p.Length > 4 && p[4] != "*" ? p[4] : null)).ToList();
    }
}
