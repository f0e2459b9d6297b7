using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Core.Network;

namespace Vireo.Core.Tests.Network;

/// <summary>Every network value that reaches dnsmasq, nft or ip is refused at define time unless it fits its grammar, naming element and line.</summary>
public class NetworkGrammarTests
{
    private const string Inject = "x&#10;dhcp-script=/tmp/pwn";

    /// <summary>The five fields of the original attack, plus every other value written into dnsmasq's files or the ruleset.</summary>
    [Theory]
    [InlineData($"<domain name='{Inject}'/>", "<domain> (line 2): domain name 'x\\ndhcp-script=/tmp/pwn'")]
    [InlineData($"<dns><txt name='t' value='{Inject}'/></dns>", "<txt> (line 2): TXT record value must not contain control characters (found U+000A (newline))")]
    [InlineData($"<dns><forwarder addr='{Inject}'/></dns>", "<forwarder> (line 2): 'x\\ndhcp-script=/tmp/pwn' is not a valid IP address (addr)")]
    [InlineData($"<dns><host ip='192.168.122.9'><hostname>{Inject}</hostname></host></dns>", "<hostname> (line 2): host name 'x\\ndhcp-script=/tmp/pwn'")]
    [InlineData($"<ip address='192.168.122.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' name='{Inject}' ip='192.168.122.5'/></dhcp></ip>", "<host> (line 2): DHCP host name 'x\\ndhcp-script=/tmp/pwn'")]
    [InlineData($"<dns><txt name='{Inject}' value='v'/></dns>", "<txt> (line 2): TXT record name")]
    [InlineData($"<dns><forwarder domain='{Inject}' addr='192.0.2.1'/></dns>", "<forwarder> (line 2): forwarder domain")]
    [InlineData($"<dns><srv service='{Inject}' protocol='tcp'/></dns>", "<srv> (line 2): invalid character in service attribute")]
    [InlineData($"<dns><srv service='ldap' protocol='tcp' target='{Inject}' port='389'/></dns>", "<srv> (line 2): SRV target")]
    [InlineData("<dns><srv service='ldap' protocol='tcp' target='db' port='389,x'/></dns>", "<srv> (line 2): invalid DNS SRV port '389,x'")]
    [InlineData("<dns><srv service='ldap' protocol='tcp' port='389'/></dns>", "<srv> (line 2): DNS SRV port attribute not permitted without target")]
    [InlineData($"<ip address='192.168.122.1' prefix='24'><tftp root='/srv/{Inject}'/></ip>", "<tftp> (line 2): tftp root")]
    [InlineData("<ip address='192.168.122.1' prefix='24'><tftp root='relative/dir'/></ip>", "tftp root 'relative/dir' must be an absolute path")]
    [InlineData($"<ip address='192.168.122.1' prefix='24'><dhcp><bootp file='pxe,evil'/></dhcp></ip>", "<bootp> (line 2): boot file 'pxe,evil' must not contain ','")]
    [InlineData($"<ip address='192.168.122.1' prefix='24'><dhcp><bootp file='pxe' server='{Inject}'/></dhcp></ip>", "<bootp> (line 2): 'x\\ndhcp-script=/tmp/pwn' is not a valid IP address (server)")]
    [InlineData("<ip address='fd00::1' prefix='64'><dhcp><host id='0:1,2' ip='fd00::5'/></dhcp></ip>", "<host> (line 2): DHCP host id '0:1,2'")]
    [InlineData("<bridge name='br,reboot'/>", "<bridge> (line 2): bridge name 'br,reboot' is not a valid interface name: it must not contain ','")]
    [InlineData("<bridge name='..'/>", "<bridge> (line 2): bridge name '..' is not a valid interface name: it must not be '.' or '..'")]
    [InlineData("<forward mode='nat' dev='eth0 reboot'/>", "<forward> (line 2): forward device 'eth0 reboot' is not a valid interface name: it must not contain U+0020")]
    [InlineData("<forward mode='nat' dev='eth0&quot;;'/>", "forward device 'eth0\";' is not a valid interface name: it must not contain '\"'")]
    [InlineData("<forward mode='bridge'><interface dev='a/b'/></forward>", "<interface> (line 2): forward interface 'a/b'")]
    [InlineData("<bridge name='virbr9' delay='x'/>", "<bridge> (line 2): invalid bridge delay 'x'")]
    [InlineData("<dns><forwarder addr='fe80::1%eth0'/></dns>", "'fe80::1%eth0' is not a valid IP address")]
    public void Values_outside_their_grammar_are_refused_naming_element_and_line(string inner, string message)
    {
        var e = Assert.Throws<VireoException>(() => NetworkDefinition.Parse($"<network><name>n</name>\n{inner}</network>"));
        Assert.Equal(ErrorCode.XmlValidation, e.Code);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void Ordinary_values_pass()
    {
        var n = NetworkDefinition.Parse("""
            <network><name>ok</name><forward mode='nat' dev='eth0.100'/><bridge name='virbr-x_1' delay='2'/><domain name='lab.example.'/>
              <dns><forwarder domain='corp.example' addr='192.0.2.1'/><forwarder addr='2001:db8::53'/>
                <txt name='_dmarc.lab' value='v=DMARC1; p=none, rua=mailto:x@y #1 "q"'/>
                <host ip='192.168.5.9'><hostname>db</hostname><hostname>db.lab.example</hostname></host>
                <srv service='ldap' protocol='tcp' domain='lab.example' target='db.lab.example' port='389' priority='1' weight='0'/></dns>
              <ip address='192.168.5.1' prefix='24'><tftp root='/srv/tftp'/><dhcp><range start='192.168.5.10' end='192.168.5.20'/>
                <host mac='52:54:00:00:00:01' name='web-1' ip='192.168.5.11'/><bootp file='pxelinux.0' server='192.168.5.1'/></dhcp></ip>
              <ip family='ipv6' address='fd00::1' prefix='64'><dhcp><host id='0:1:0:1:2a:3b' ip='fd00::5'/></dhcp></ip>
            </network>
            """);
        Assert.Equal("192.0.2.1", n.DnsForwarders[0].Address!.ToString());
        Assert.Equal("192.168.5.1", n.Ips[0].BootpServer!.ToString());
    }

    [Fact]
    public void A_txt_value_holds_one_dns_string_at_most()
    {
        NetworkDefinition.Parse($"<network><name>n</name><dns><txt name='t' value='{new string('v', NetworkValidator.MaxTxtValueBytes)}'/></dns></network>");
        var e = Assert.Throws<VireoException>(() => NetworkDefinition.Parse($"<network><name>n</name><dns><txt name='t' value='{new string('é', 128)}'/></dns></network>"));
        Assert.Contains("TXT record value is 256 bytes long, at most 255", e.Message);
    }

    [Theory]
    [InlineData("eth0", null)]
    [InlineData("virbr0", null)]
    [InlineData("a.b-c_d@e", null)]
    [InlineData("123456789012345", null)]
    [InlineData("1234567890123456", "too long")]
    [InlineData("ééééééééé", "too long")]
    [InlineData("eth:1", "':'")]
    [InlineData("eth*", "'*'")]
    [InlineData("e\\0", "'\\'")]
    [InlineData("e\tx", "U+0009")]
    [InlineData(".", "'.' or '..'")]
    public void Interface_names_follow_the_kernel_and_nft(string name, string? why)
    {
        if (why is null) Assert.Null(InterfaceName.Problem(name));
        else Assert.Contains(why, InterfaceName.Problem(name));
    }

    [Theory]
    [InlineData("host", null, null)]
    [InlineData("a.example.com.", null, null)]
    [InlineData("_ldap._tcp", "'_'", null)]
    [InlineData("-a", "starting or ending with '-'", "starting or ending with '-'")]
    [InlineData("a..b", "empty label", "empty label")]
    [InlineData(".", "empty label", "empty label")]
    [InlineData("a b", "U+0020", "U+0020")]
    [InlineData("a,b", "','", "','")]
    public void Host_and_domain_names_follow_rfc_1123_labels(string name, string? hostWhy, string? domainWhy)
    {
        Assert.True(hostWhy is null ? DnsNames.HostNameProblem(name) is null : DnsNames.HostNameProblem(name)!.Contains(hostWhy), DnsNames.HostNameProblem(name));
        Assert.True(domainWhy is null ? DnsNames.DomainNameProblem(name) is null : DnsNames.DomainNameProblem(name)!.Contains(domainWhy), DnsNames.DomainNameProblem(name));
        Assert.Contains("longer than 63", DnsNames.HostNameProblem(new string('a', 64)));
        Assert.Contains("longer than 253", DnsNames.HostNameProblem(string.Join('.', Enumerable.Repeat(new string('a', 60), 5))));
    }
}
