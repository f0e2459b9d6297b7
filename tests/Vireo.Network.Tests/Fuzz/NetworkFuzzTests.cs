using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Network.Dnsmasq;
using Vireo.Network.Nft;
using Xunit.Abstractions;

namespace Vireo.Network.Tests.Fuzz;

/// <summary>
/// Generated values (newlines, NUL, quotes, commas, '#', '=', blanks, non-ASCII, '..', very long) in
/// every network field that reaches dnsmasq's files or the nft ruleset. Each is either refused naming
/// its element, or written so that the output keeps the structure of the same network with plain
/// values: the same dnsmasq options (as dnsmasq itself reads them) and the same ruleset shape.
/// </summary>
public partial class NetworkFuzzTests(ITestOutputHelper output)
{
    private const string Template = """
        <network>
          <name>{name}</name>
          <forward mode='nat' dev='{fwd}'/>
          <bridge name='{bridge}'/>
          <domain name='{domain}'/>
          <dns>
            <forwarder addr='{fwdaddr}'/>
            <forwarder domain='{fwddomain}' addr='192.0.2.54'/>
            <txt name='{txtname}' value='{txtvalue}'/>
            <host ip='192.168.122.9'><hostname>{hostname}</hostname></host>
            <srv service='{srvservice}' protocol='tcp' domain='{srvdomain}' target='{srvtarget}' port='389'/>
          </dns>
          <ip address='192.168.122.1' prefix='24'>
            <tftp root='{tftp}'/>
            <dhcp>
              <range start='192.168.122.2' end='192.168.122.254'/>
              <host mac='52:54:00:00:00:01' name='{dhcpname}' ip='192.168.122.5'/>
              <bootp file='{bootfile}' server='{bootserver}'/>
            </dhcp>
          </ip>
          <ip family='ipv6' address='fd00::1' prefix='64'><dhcp><host id='{duid}' ip='fd00::5'/></dhcp></ip>
        </network>
        """;

    /// <summary>Each field, its plain value, and the element a refusal must name.</summary>
    public static readonly (string Slot, string Plain, string Element)[] Fields =
    [
        ("name", "fuzz", "<name>"), ("fwd", "eth0", "<forward>"), ("bridge", "virbr9", "<bridge>"), ("domain", "lab.example", "<domain>"),
        ("fwdaddr", "192.0.2.53", "<forwarder>"), ("fwddomain", "corp.example", "<forwarder>"), ("txtname", "info", "<txt>"),
        ("txtvalue", "hello", "<txt>"), ("hostname", "db", "<hostname>"), ("srvservice", "ldap", "<srv>"), ("srvdomain", "lab.example", "<srv>"),
        ("srvtarget", "db.lab.example", "<srv>"), ("tftp", "/srv/tftp", "<tftp>"), ("dhcpname", "web", "<host>"), ("bootfile", "pxelinux.0", "<bootp>"),
        ("bootserver", "192.168.122.1", "<bootp>"), ("duid", "0:1:0:1", "<host>"),
    ];

    public static TheoryData<string> Slots()
    {
        var data = new TheoryData<string>();
        foreach (var f in Fields) data.Add(f.Slot);
        return data;
    }

    private static string Xml(string slot, string value)
    {
        var xml = Template;
        foreach (var f in Fields) xml = xml.Replace("{" + f.Slot + "}", f.Slot == slot ? Vireo.Tests.Shared.FuzzStrings.Xml(value) : f.Plain);
        return xml;
    }

    private static DnsmasqPaths Paths(string dir) => new(Path.Combine(dir, "n.conf"), Path.Combine(dir, "n.hostsfile"),
        Path.Combine(dir, "n.addnhosts"), Path.Combine(dir, "n.leases"), Path.Combine(dir, "n.pid"));

    private static readonly NetworkDefinition Baseline = NetworkDefinition.Parse(Xml("", ""));

    [Theory]
    [MemberData(nameof(Slots))]
    public void Generated_values_are_refused_naming_their_element_or_keep_the_files_structure(string slot)
    {
        var element = Fields.Single(f => f.Slot == slot).Element;
        var paths = Paths("/var/lib/vireo/dnsmasq");
        var baseConf = DnsmasqConfig.Render(Baseline, paths);
        var baseShape = Shape(NftRuleset.Render([Baseline]));
        var accepted = 0;
        foreach (var generated in Vireo.Tests.Shared.FuzzStrings.Values(seed: 1000 + Array.FindIndex(Fields, f => f.Slot == slot), count: 150).Prepend("\ndhcp-script=/tmp/pwn"))
        {
            // A tftp root must be absolute: generated text goes below one, so some of it fits.
            var value = slot == "tftp" ? "/srv/" + generated : generated;
            NetworkDefinition n;
            try { n = NetworkDefinition.Parse(Xml(slot, value)); }
            catch (VireoException e)
            {
                Assert.True(e.Message.Contains(element) || e.Code == ErrorCode.InvalidXml && e.Message.Contains("line"), $"{slot}: {e.Message}");
                Assert.DoesNotContain('\n', e.Message);
                continue;
            }
            accepted++;
            var conf = DnsmasqConfig.Render(n, paths);
            Assert.Equal(DnsmasqReader.Keys(baseConf), DnsmasqReader.Keys(conf));
            foreach (var file in new[] { conf, DnsmasqConfig.HostsFile(n), DnsmasqConfig.AddnHosts(n) })
                foreach (var line in file.TrimEnd('\n').Split('\n'))
                    Assert.True(Encoding.UTF8.GetByteCount(line) <= DnsmasqLines.MaxLineBytes && !line.Any(c => char.IsControl(c) && c != '\t'), $"{slot}: line '{line}'");
            Assert.Equal(FieldCounts(DnsmasqConfig.HostsFile(Baseline), ','), FieldCounts(DnsmasqConfig.HostsFile(n), ','));
            Assert.Equal(FieldCounts(DnsmasqConfig.AddnHosts(Baseline), '\t'), FieldCounts(DnsmasqConfig.AddnHosts(n), '\t'));
            if (slot == "txtvalue")
            {
                var txt = conf.Split('\n').Select(DnsmasqReader.Line).First(l => l?.Key == "txt-record")!.Value;
                Assert.Equal(["info", .. n.DnsTxts[0].Value.Split(',')], DnsmasqReader.Fields(txt.Value));
            }
            Assert.Equal(baseShape, Shape(NftRuleset.Render([n])));
            DnsmasqAccepts(n);
            NftAccepts(n);
        }
        output.WriteLine($"{slot}: {accepted} of 151 values accepted");
        // Each field has some generated values that fit its grammar, or the test proves little.
        Assert.True(accepted > 0 || slot is "fwdaddr" or "bootserver" or "duid", $"{slot}: every generated value was refused");
    }

    private static IReadOnlyList<int> FieldCounts(string file, char separator) =>
        file.TrimEnd('\n').Split('\n').Select(l => l.Split(separator).Length).ToList();

    /// <summary>The ruleset with quoted strings, chain names and addresses blanked: what the rules do, whatever they are called.</summary>
    private static string Shape(string rules) => ChainName().Replace(Quoted().Replace(rules, "\"Q\""), "CHAIN");

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"net[-_]\S+-(in|fwd|nat)\b")]
    private static partial Regex ChainName();

    private static void DnsmasqAccepts(NetworkDefinition n)
    {
        if (!File.Exists("/usr/sbin/dnsmasq")) return;
        var dir = Directory.CreateTempSubdirectory("vireo-fuzz-").FullName;
        try
        {
            var p = Paths(dir);
            File.WriteAllText(p.Conf, DnsmasqConfig.Render(n, p));
            File.WriteAllText(p.HostsFile, DnsmasqConfig.HostsFile(n));
            File.WriteAllText(p.AddnHosts, DnsmasqConfig.AddnHosts(n));
            var (exit, output) = Run("/usr/sbin/dnsmasq", "--test", "--conf-file=" + p.Conf);
            Assert.True(exit == 0, $"dnsmasq refused the configuration of {n.Name}: {output}\n{File.ReadAllText(p.Conf)}");
        }
        finally { Directory.Delete(dir, true); }
    }

    private static void NftAccepts(NetworkDefinition n)
    {
        if (!File.Exists("/usr/sbin/nft") || Environment.UserName != "root") return;
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, NftRuleset.Render([n]));
            // --check parses and validates against the kernel without changing anything.
            var (exit, output) = Run("/usr/sbin/nft", "--check", "-f", file);
            Assert.True(exit == 0, $"nft refused the ruleset of {n.Name}: {output}");
        }
        finally { File.Delete(file); }
    }

    internal static (int Exit, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }
}
