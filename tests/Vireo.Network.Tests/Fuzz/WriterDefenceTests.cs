using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Network.Bandwidth;
using Vireo.Network.Dnsmasq;
using Vireo.Network.Nft;
using Vireo.Network.Ports;

namespace Vireo.Network.Tests.Fuzz;

/// <summary>
/// The writers that know each grammar refuse what they cannot write safely, even if a value got past
/// validation: dnsmasq's lines, nft's quoted names, tc's and ip's devices, OVS's external ids.
/// </summary>
public class WriterDefenceTests
{
    [Theory]
    [InlineData("x\ndhcp-script=/tmp/pwn", "U+000A (newline)")]
    [InlineData("x\rdhcp-script=/tmp/pwn", "U+000D (carriage return)")]
    [InlineData("x\0y", "U+0000 (NUL)")]
    [InlineData("x\"y", "contains '\"'")]
    [InlineData("x #y", "a blank followed by '#'")]
    public void Dnsmasq_options_refuse_what_would_start_a_line_a_quote_or_a_comment(string value, string why)
    {
        var e = Assert.Throws<VireoException>(() => new DnsmasqLines("configuration").Option("domain", value));
        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.Contains("refusing to write dnsmasq configuration: domain value", e.Message);
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Theory]
    [InlineData("a,b", "','")]
    [InlineData("a b", "U+0020")]
    [InlineData("a#b", "'#'")]
    [InlineData("a\tb", "U+0009")]
    public void Dnsmasq_fields_refuse_their_separators(string value, string why) =>
        Assert.Contains(why, Assert.Throws<VireoException>(() => new DnsmasqLines("hosts file").Field(value, "host name")).Message);

    [Fact]
    public void Dnsmasq_lines_stay_within_what_dnsmasq_reads_at_once()
    {
        var w = new DnsmasqLines("configuration");
        w.Option("domain", new string('a', DnsmasqLines.MaxLineBytes - "domain=".Length));
        Assert.Contains("dnsmasq reads at most 1023", Assert.Throws<VireoException>(() => w.Option("domain", new string('a', DnsmasqLines.MaxLineBytes))).Message);
    }

    [Fact]
    public void Quoted_dnsmasq_values_escape_backslashes_and_quotes_and_refuse_newlines()
    {
        var w = new DnsmasqLines("configuration");
        Assert.Equal("\"a \\\"b\\\" \\\\ #c,d\"", w.Quoted("a \"b\" \\ #c,d", "txt-record"));
        Assert.Throws<VireoException>(() => w.Quoted("a\nb", "txt-record"));
        w.Option("txt-record", "t," + w.Quoted("a \"b\" \\ #c,d", "txt-record"), quoted: true);
        var line = DnsmasqReader.Line(w.ToString().TrimEnd('\n'))!.Value;
        Assert.Equal(["t", "a \"b\" \\ #c,d"], DnsmasqReader.Fields(line.Value));
    }

    [Fact]
    public void A_network_name_nft_cannot_take_as_a_chain_gets_a_hashed_chain_that_nft_accepts()
    {
        var n = NetworkDefinition.Parse("<network><name>lab net #1 \"x\"</name><bridge name='virbr7'/><forward mode='nat'/><ip address='10.7.0.1' prefix='24'/></network>");
        var rules = NftRuleset.Render([n]);
        Assert.Matches(@"chain net_[0-9a-f]{16}-fwd \{", rules);
        Assert.DoesNotContain("lab net", rules);
        Assert.Equal(NftRuleset.Chain(n, "in"), NftRuleset.Chain(NetworkDefinition.Parse(n.ToXml()), "in"));
        Assert.Equal("net-default-in", NftRuleset.Chain(NetworkDefinition.Parse("<network><name>default</name></network>"), "in"));
        if (!File.Exists("/usr/sbin/nft") || Environment.UserName != "root") return;
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, rules);
            var (exit, output) = NetworkFuzzTests.Run("/usr/sbin/nft", "--check", "-f", file);
            Assert.True(exit == 0, output);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Tc_refuses_a_device_name_that_is_not_an_interface_name()
    {
        var limit = new TcBandwidth.Limit(100, null, null);
        Assert.Throws<VireoException>(() => TcBandwidth.Commands("tap0\nx", limit, null));
        Assert.Throws<VireoException>(() => TcBandwidth.Commands("../tap", limit, null));
        Assert.Equal(2, TcBandwidth.Commands("vnet0", limit, null).Count);
    }

    [Fact]
    public async Task Ovs_and_macvtap_refuse_values_outside_their_grammar_before_running_anything()
    {
        var runner = new RecordingRunner();
        var state = Directory.CreateTempSubdirectory("vireo-ports-").FullName;
        try
        {
            var ports = new GuestPorts(runner, state, state);
            var vm = Guid.NewGuid();
            await Assert.ThrowsAsync<VireoException>(() => ports.JoinOvsBridgeAsync("vnet0", "ovsbr0", "52:54:00:00:00:01", "x\" -- set Bridge ovsbr0 fail_mode=standalone", vm));
            await Assert.ThrowsAsync<VireoException>(() => ports.JoinOvsBridgeAsync("vnet0", "ovsbr0", "52:54:00:00:00:01\" x", Guid.NewGuid().ToString(), vm));
            await Assert.ThrowsAsync<VireoException>(() => ports.JoinOvsBridgeAsync("vnet0", "ovs br0", "52:54:00:00:00:01", Guid.NewGuid().ToString(), vm));
            await Assert.ThrowsAsync<VireoException>(() => ports.CreateMacvtapAsync("macvtap0", "../../etc", "passthrough", "52:54:00:00:00:01"));
            await Assert.ThrowsAsync<VireoException>(() => ports.JoinLinuxBridgeAsync("vnet0", "br0\nx"));
            Assert.Empty(runner.Commands);
            Assert.Empty(Directory.GetFileSystemEntries(state));
        }
        finally { Directory.Delete(state, true); }
    }
}
