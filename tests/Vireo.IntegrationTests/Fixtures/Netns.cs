using System.Diagnostics;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// A network namespace the test creates (and deletes after): every bridge, address, dnsmasq and
/// guest NIC of a networking test lives in one, so nothing touches the host's own network.
/// </summary>
public sealed class Netns : IDisposable
{
    public string Name { get; } = "vireo-t-" + Guid.NewGuid().ToString("N")[..8];

    public static string? Unavailable() =>
        Environment.UserName != "root" ? HostLimit.NotRoot.Reason("network namespaces need root")
        : !File.Exists("/usr/sbin/dnsmasq") ? "dnsmasq is not installed (test.sh installs dnsmasq-base)"
        : !File.Exists("/usr/sbin/nft") ? "nft is not installed (test.sh installs nftables)"
        : null;

    public Netns()
    {
        Run("ip", "netns", "add", Name);
        Exec("ip", "link", "set", "lo", "up");
    }

    public static string Run(params string[] argv) => Run(null, argv);

    /// <summary>Runs a command (with more environment, if given); throws with its output when it fails.</summary>
    public static string Run(IReadOnlyDictionary<string, string>? env, params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', argv)}: {err.Result}{o}");
        return o;
    }

    /// <summary>Runs a command inside this namespace.</summary>
    public string Exec(params string[] argv) => Run(["ip", "netns", "exec", Name, .. argv]);

    public (int Exit, string Output) TryExec(params string[] argv)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", Name }.Concat(argv)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o + err.Result);
    }

    /// <summary>An "uplink": a veth pair from <paramref name="host"/> to <paramref name="upstream"/>, addressed at both ends (10.x.0.1 and .2).</summary>
    public static void Uplink(Netns host, Netns upstream, string hostDev, string upDev, string subnetPrefix)
    {
        Run("ip", "link", "add", hostDev, "netns", host.Name, "type", "veth", "peer", "name", upDev, "netns", upstream.Name);
        host.Exec("ip", "addr", "add", $"{subnetPrefix}.1/24", "dev", hostDev);
        host.Exec("ip", "link", "set", hostDev, "up");
        upstream.Exec("ip", "addr", "add", $"{subnetPrefix}.2/24", "dev", upDev);
        upstream.Exec("ip", "link", "set", upDev, "up");
    }

    public void Dispose()
    {
        try { Run("ip", "netns", "del", Name); } catch (InvalidOperationException) { }
    }
}
