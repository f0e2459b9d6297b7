using Vireo.Core.Errors;
using Vireo.Core.Network;

namespace Vireo.Core.Tests.Network;

/// <summary>Every network file of the shared libvirt corpus is accepted and written back with nothing lost; bad input is named.</summary>
public class NetworkCorpusTests
{
    public static TheoryData<string> Networks => Corpus.Files("network");

    [Theory]
    [MemberData(nameof(Networks))]
    public void Network_round_trips(string file)
    {
        var input = Corpus.Read("network", file);
        var def = NetworkDefinition.Parse(input);
        def.ApplyDefaults(_ => false);
        Assert.NotEqual(Guid.Empty, def.Uuid);
        Assert.Empty(XmlPreservation.Missing(input, def.ToXml()));
        if (def.HasOwnBridge) Assert.NotNull(def.BridgeName);
    }

    [Fact]
    public void The_nat_network_reads_as_libvirt_means_it()
    {
        var n = NetworkDefinition.Parse(Corpus.Read("network", "nat-network.xml"));
        Assert.Equal(("nat", "eth1", "virbr0"), (n.ForwardMode, n.ForwardDev, n.BridgeName));
        var ip = n.Ips[0];
        Assert.Equal("192.168.122.0/24", ip.Subnet.ToString());
        Assert.Equal("192.168.122.2", ip.Ranges[0].Start.ToString());
        Assert.Equal(("00:16:3e:77:e2:ed", "a.example.com", "192.168.122.10"), (ip.Hosts[0].Mac, ip.Hosts[0].Name, ip.Hosts[0].Ip!.ToString()));
        Assert.Equal(64, n.Ips.First(i => i.IsIPv6).Prefix);
        Assert.Equal(8, n.Ips.Last().Prefix); // 10.24.10.1 without netmask: classful, as libvirt
        var isolated = NetworkDefinition.Parse(Corpus.Read("network", "isolated-network.xml"));
        Assert.Null(isolated.ForwardMode);
        Assert.True(isolated.HasOwnBridge);
    }

    [Fact]
    public void Defaults_pick_a_free_bridge_name_and_a_mac()
    {
        var n = NetworkDefinition.Parse("<network><name>n</name><ip address='10.9.0.1' prefix='24'/></network>");
        n.ApplyDefaults(i => i < 2);
        Assert.Equal("virbr2", n.BridgeName);
        Assert.Matches("^52:54:00(:[0-9a-f]{2}){3}$", n.MacAddress!);
    }

    [Theory]
    [InlineData("<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip></network>", "not entirely within network 10.0.0.0/24")]
    [InlineData("<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.9' end='10.0.0.2'/></dhcp></ip></network>", "start after its end")]
    [InlineData("<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><host mac='zz:16:3e:77:e2:ed' ip='10.0.0.5'/></dhcp></ip></network>", "DHCP host MAC address 'zz:16:3e:77:e2:ed' is invalid")]
    [InlineData("<network><name>n</name><mac address='00:11'/></network>", "network MAC address '00:11' is invalid")]
    [InlineData("<network><name>n</name><forward mode='warp'/></network>", "unknown forward mode 'warp'")]
    [InlineData("<network><name>n</name><bridge name='a-very-long-bridge-name'/></network>", "is not a valid interface name")]
    [InlineData("<network><name>n</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>", "not contiguous")]
    [InlineData("<network><name>n</name><ip address='300.0.0.1'/></network>", "'300.0.0.1' is not a valid IP address")]
    [InlineData("<network><name>a/b</name></network>", "must not contain '/'")]
    public void Bad_networks_are_refused_naming_the_problem(string xml, string message)
    {
        var e = Assert.Throws<VireoException>(() => NetworkDefinition.Parse(xml));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Subnets_overlap_and_contain_as_expected()
    {
        Assert.True(IpNetwork.Parse("192.168.122.0/24").Overlaps(IpNetwork.Parse("192.168.0.0/16")));
        Assert.False(IpNetwork.Parse("192.168.122.0/24").Overlaps(IpNetwork.Parse("192.168.123.0/24")));
        Assert.True(IpNetwork.Parse("2001:db8::/64").Contains(System.Net.IPAddress.Parse("2001:db8::5")));
        Assert.Equal("255.255.255.0", IpNetwork.Parse("10.0.0.0/24").Netmask.ToString());
    }
}
