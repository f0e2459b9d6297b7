using System.Diagnostics;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>
/// A network start that fails at its last step, for real: another DHCP server (a dnsmasq in wildcard mode, as a
/// distribution's own dnsmasq runs) holds port 67, so the network's dnsmasq cannot bind. Everything the start had
/// made — bridge, addresses, nftables rules — is gone again, and once port 67 is free the same start succeeds.
/// </summary>
[Collection("vm")]
public class NetworkStartRollbackTests
{
    [SkippableFact]
    public async Task A_dnsmasq_that_cannot_bind_leaves_no_bridge_address_or_rule_behind()
    {
        var why = Netns.Unavailable();
        Skip.If(why is not null, why);
        using var ns = new Netns();
        await using var d = new DaemonFixture { NetNs = ns.Name, ExtraArgs = ["--no-default-network"] };
        await d.StartDaemonAsync();
        var xml = Path.Combine(d.Root, "rb.xml");
        await File.WriteAllTextAsync(xml, "<network><name>rb</name><forward mode='nat'/><bridge name='rbbr0'/>" +
            "<ip address='10.77.0.1' prefix='24'><dhcp><range start='10.77.0.10' end='10.77.0.20'/></dhcp></ip></network>");
        (await d.Vireo("net-define", xml)).Ok();

        using (await OccupyDhcpPortAsync(ns, d.Root))
        {
            (await d.Vireo("net-start", "rb")).Fails("failed to bind DHCP server socket");
            Assert.DoesNotContain("rbbr0", ns.Exec("ip", "-o", "link", "show"));
            Assert.DoesNotContain("10.77.0.1", ns.Exec("ip", "-o", "addr", "show"));
            Assert.DoesNotContain("vireo", ns.Exec("nft", "list", "tables"));
            Assert.Matches(@"Active:\s+no", (await d.Vireo("net-info", "rb")).Ok().Stdout);
            Assert.Empty(Directory.GetFiles(Path.Combine(d.Root, "run/vireo/network"), "*.xml"));
        }

        (await d.Vireo("net-start", "rb")).Ok();
        Assert.Contains("rbbr0", ns.Exec("ip", "-o", "link", "show"));
        Assert.Contains("iifname \"rbbr0\"", ns.Exec("nft", "list", "table", "inet", "vireo"));
        (await d.Vireo("net-destroy", "rb")).Ok();
    }

    /// <summary>A dnsmasq serving DHCP on every interface (no bind-interfaces): it binds 0.0.0.0:67 without SO_REUSEADDR.</summary>
    private static async Task<Occupant> OccupyDhcpPortAsync(Netns ns, string dir)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns.Name, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
                     "--dhcp-range=10.99.0.2,10.99.0.9", "--pid-file", $"--dhcp-leasefile={Path.Combine(dir, "occupant.leases")}" })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var occupant = new Occupant(p);
        try
        {
            var bound = await Poll.UntilAsync(() => p.HasExited || ns.Exec("ss", "-ulnH", "sport = :67").Trim().Length > 0, TimeSpan.FromSeconds(30));
            Assert.True(bound && !p.HasExited, "the occupying dnsmasq did not bind port 67: " + (p.HasExited ? p.StandardError.ReadToEnd() : "timeout"));
            return occupant;
        }
        catch
        {
            occupant.Dispose();
            throw;
        }
    }

    /// <summary>Stops exactly the process this test started.</summary>
    private sealed class Occupant(Process p) : IDisposable
    {
        public void Dispose()
        {
            if (!p.HasExited) p.Kill();
            p.WaitForExit();
            p.Dispose();
        }
    }
}
