using System.Security.Cryptography;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>
/// The attack of issue 11: a newline in a network value written into dnsmasq's configuration became
/// a line of its own, "dhcp-script=...", which dnsmasq ran as root. Each of the five fields it went
/// through is refused by net-define, naming the element, with nothing written under the daemon's root;
/// and a value with dnsmasq's own special characters that is valid reaches a running dnsmasq intact.
/// </summary>
[Collection("vm")]
public class NetworkInjectionTests
{
    [SkippableFact]
    public async Task A_newline_in_any_field_dnsmasq_reads_is_refused_by_net_define_and_nothing_is_written()
    {
        var why = Netns.Unavailable();
        Skip.If(why is not null, why);
        using var ns = new Netns();
        await using var d = await DaemonFixture.StartInNetnsAsync(ns.Name);
        var script = Path.Combine(d.Root, "pwn.sh");
        var marker = Path.Combine(d.Root, "pwned");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\ntouch {marker}\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        var inject = $"x&#10;dhcp-script={script}&#10;";
        var cases = new (string Element, string Body)[]
        {
            ("<domain>", $"<domain name='{inject}'/>"),
            ("<txt>", $"<dns><txt name='t' value='{inject}'/></dns>"),
            ("<forwarder>", $"<dns><forwarder addr='{inject}'/></dns>"),
            ("<hostname>", $"<dns><host ip='192.168.150.9'><hostname>{inject}</hostname></host></dns>"),
            ("<host>", $"<dhcp><host mac='52:54:00:00:00:09' name='{inject}' ip='192.168.150.9'/></dhcp>"),
        };
        var before = Snapshot(d.Root);
        var i = 0;
        foreach (var (element, body) in cases)
        {
            var dhcp = body.StartsWith("<dhcp>");
            var xml = $"<network>\n<name>inject{i}</name>\n<forward mode='nat'/>\n{(dhcp ? "" : body)}\n<ip address='192.168.150.1' prefix='24'>{(dhcp ? body : "")}</ip></network>";
            var file = Path.Combine(Path.GetTempPath(), $"vireo-inject-{Guid.NewGuid():N}.xml");
            await File.WriteAllTextAsync(file, xml);
            try
            {
                var r = (await d.Vireo("net-define", file)).Fails($"{element} (line ");
                Assert.Contains("invalid network XML", r.Stderr);
                Assert.DoesNotContain("dhcp-script=" + script + "\n", r.Stderr);
            }
            finally { File.Delete(file); }
            i++;
        }
        Assert.Equal(before, Snapshot(d.Root));
        Assert.DoesNotContain("inject", (await d.Vireo("net-list", "--all")).Ok().Stdout);
        Assert.False(File.Exists(marker));
    }

    [SkippableFact]
    public async Task A_txt_value_with_dnsmasqs_special_characters_reaches_a_running_dnsmasq_as_one_option()
    {
        var why = Netns.Unavailable();
        Skip.If(why is not null, why);
        using var ns = new Netns();
        await using var d = await DaemonFixture.StartInNetnsAsync(ns.Name);
        var file = Path.Combine(d.Root, "lab.xml");
        await File.WriteAllTextAsync(file, """
            <network><name>lab</name><bridge name='virbr51'/>
              <dns><txt name='info' value='a "quoted" #not-a-comment, second \ string'/></dns>
              <ip address='192.168.151.1' prefix='24'><dhcp><range start='192.168.151.10' end='192.168.151.20'/></dhcp></ip>
            </network>
            """);
        (await d.Vireo("net-define", file)).Ok();
        (await d.Vireo("net-start", "lab")).Ok();
        var conf = await File.ReadAllTextAsync(Path.Combine(d.Root, "var/lib/vireo/dnsmasq/lab.conf"));
        Assert.Contains("txt-record=info,\"a \\\"quoted\\\" #not-a-comment\",\" second \\\\ string\"\n", conf);
        // dnsmasq exits at once on a configuration it cannot parse: running, it took every line.
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(d.Root, "var/lib/vireo/dnsmasq/lab.pid"))).Trim());
        Assert.Contains("dnsmasq", await File.ReadAllTextAsync($"/proc/{pid}/cmdline"));
        (await d.Vireo("net-destroy", "lab")).Ok();
    }

    /// <summary>Every file under the daemon's state directories with a hash of its content (logs excluded: they only grow).</summary>
    private static SortedDictionary<string, string> Snapshot(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in new[] { "etc/vireo", "var/lib/vireo", "run/vireo/network" }.Select(p => Path.Combine(root, p)).Where(Directory.Exists))
            foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".leases")))
                files[Path.GetRelativePath(root, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
        return files;
    }
}
