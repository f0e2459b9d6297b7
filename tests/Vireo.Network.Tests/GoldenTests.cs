using System.Diagnostics;
using Vireo.Core.Network;
using Vireo.Network.Dnsmasq;
using Vireo.Network.Nft;

namespace Vireo.Network.Tests;

/// <summary>
/// golden/CASE.xml -> CASE.dnsmasq (configuration, hosts file, addn-hosts) and CASE.nft (the table with
/// only that network). Where dnsmasq and nft are installed, their own parsers check the output too.
/// </summary>
public class GoldenTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Golden.Dir("golden"), "*.xml").Order()) data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    private static NetworkDefinition Load(string name) => NetworkDefinition.Parse(File.ReadAllText(Path.Combine(Golden.Dir("golden"), name + ".xml")));

    private static DnsmasqPaths PathsFor(string name) => new($"/var/lib/vireo/dnsmasq/{name}.conf", $"/var/lib/vireo/dnsmasq/{name}.hostsfile",
        $"/var/lib/vireo/dnsmasq/{name}.addnhosts", $"/var/lib/vireo/dnsmasq/{name}.leases", $"/run/vireo/network/{name}.pid");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dnsmasq_configuration_matches_golden(string name)
    {
        var n = Load(name);
        var text = DnsmasqConfig.Render(n, PathsFor(n.Name)) + "# --- hostsfile\n" + DnsmasqConfig.HostsFile(n) + "# --- addn-hosts\n" + DnsmasqConfig.AddnHosts(n);
        Golden.AssertMatches(Path.Combine(Golden.Dir("golden"), name + ".dnsmasq"), text);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Nft_ruleset_matches_golden(string name) =>
        Golden.AssertMatches(Path.Combine(Golden.Dir("golden"), name + ".nft"), NftRuleset.Render([Load(name)]));

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Dnsmasq_accepts_the_configuration(string name)
    {
        Skip.IfNot(File.Exists("/usr/sbin/dnsmasq"), "dnsmasq is not installed (test.sh installs dnsmasq-base)");
        var n = Load(name);
        var dir = Directory.CreateTempSubdirectory("vireo-dnsmasq-").FullName;
        try
        {
            var p = new DnsmasqPaths(Path.Combine(dir, "c.conf"), Path.Combine(dir, "h"), Path.Combine(dir, "a"), Path.Combine(dir, "l"), Path.Combine(dir, "pid"));
            File.WriteAllText(p.Conf, DnsmasqConfig.Render(n, p));
            File.WriteAllText(p.HostsFile, DnsmasqConfig.HostsFile(n));
            File.WriteAllText(p.AddnHosts, DnsmasqConfig.AddnHosts(n));
            var (exit, output) = Run("/usr/sbin/dnsmasq", "--test", "--conf-file=" + p.Conf);
            Assert.True(exit == 0, output);
        }
        finally { Directory.Delete(dir, true); }
    }

    [SkippableFact]
    public void Nft_accepts_the_whole_table()
    {
        Skip.IfNot(File.Exists("/usr/sbin/nft"), "nft is not installed (test.sh installs nftables)");
        HostLimit.NotRoot.SkipUnless(Environment.UserName == "root", "nft --check needs root");
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, NftRuleset.Render(Directory.GetFiles(Golden.Dir("golden"), "*.xml").Select(f => Load(Path.GetFileNameWithoutExtension(f)))));
            // --check parses and validates against the kernel without changing anything.
            var (exit, output) = Run("/usr/sbin/nft", "--check", "-f", file);
            Assert.True(exit == 0, output);
        }
        finally { File.Delete(file); }
    }

    private static (int Exit, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }
}
