using Vireo.Core.Errors;
using Vireo.Core.Network;

namespace Vireo.Network.Tests;

/// <summary>The registry: which backend runs which definition, what each reports it can do, and a clear NotSupported for the rest.</summary>
public sealed class NetworkBackendsTests
{
    private readonly NetworkBackends _backends = new(new RecordingRunner(), "/nonexistent/dnsmasq");

    private static NetworkDefinition Net(string body) => NetworkDefinition.Parse($"<network><name>n</name>{body}</network>");

    public static TheoryData<string, string, NetworkCapabilities> Kinds() => new()
    {
        { "<bridge name='vbr0'/>", "virtual", NetworkCapabilities.OwnBridge | NetworkCapabilities.DhcpDns | NetworkCapabilities.GuestTaps },
        { "<forward mode='nat'/><bridge name='vbr0'/>", "virtual", NetworkCapabilities.OwnBridge | NetworkCapabilities.DhcpDns | NetworkCapabilities.GuestTaps },
        { "<forward mode='route'/><bridge name='vbr0'/>", "virtual", NetworkCapabilities.OwnBridge | NetworkCapabilities.DhcpDns | NetworkCapabilities.GuestTaps },
        { "<forward mode='open'/><bridge name='vbr0'/>", "virtual", NetworkCapabilities.OwnBridge | NetworkCapabilities.DhcpDns | NetworkCapabilities.GuestTaps },
        { "<forward mode='bridge'/><bridge name='br0'/>", "bridge", NetworkCapabilities.GuestTaps },
        { "<forward mode='bridge'/><bridge name='ovsbr0'/><virtualport type='openvswitch'/>", "openvswitch", NetworkCapabilities.GuestTaps | NetworkCapabilities.OpenVswitch },
        { "<forward mode='bridge'><interface dev='eth0'/></forward>", "direct", NetworkCapabilities.GuestMacvtap },
        { "<forward mode='vepa' dev='eth0'/>", "direct", NetworkCapabilities.GuestMacvtap },
        { "<forward mode='private' dev='eth0'/>", "direct", NetworkCapabilities.GuestMacvtap },
        { "<forward mode='passthrough' dev='eth0'/>", "direct", NetworkCapabilities.GuestMacvtap },
        { "<forward mode='hostdev'><pf dev='eth2'/></forward>", "hostdev", NetworkCapabilities.GuestVfs },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_kind_of_network_has_its_backend_and_capabilities(string body, string type, NetworkCapabilities capabilities)
    {
        var n = Net(body);
        Assert.Equal(type, NetworkBackends.TypeOf(n));
        var backend = _backends.For(n);
        Assert.Equal(type, backend.Type);
        Assert.Equal(capabilities, backend.Capabilities);
        Assert.Equal(capabilities, _backends.CapabilitiesOf(n));
    }

    [Fact]
    public void Every_backend_is_registered_once_under_its_type() =>
        Assert.Equal(["bridge", "direct", "hostdev", "openvswitch", "virtual"], _backends.All.Select(b => b.Type).Order());

    [Fact]
    public void An_unknown_type_is_not_supported_and_named()
    {
        var ex = Assert.Throws<VireoException>(() => _backends.For("vxlan"));
        Assert.Equal(ErrorCode.NotSupported, ex.Code);
        Assert.Contains("network type 'vxlan' is not supported", ex.Message);
        Assert.Contains("supported: virtual, bridge, openvswitch, direct, hostdev", ex.Message);
    }

    [Fact]
    public void A_virtualport_without_a_backend_is_not_supported_and_names_network_and_type()
    {
        var n = Net("<forward mode='bridge'/><bridge name='br0'/><virtualport type='802.1Qbh'/>");
        var ex = Assert.Throws<VireoException>(() => _backends.For(n));
        Assert.Equal(ErrorCode.NotSupported, ex.Code);
        Assert.Contains("network 'n': virtualport type '802.1Qbh' is not supported", ex.Message);
        Assert.Equal(NetworkCapabilities.None, _backends.CapabilitiesOf(n));
    }

    [Theory]
    [InlineData("<forward mode='bridge'/><bridge name='br0'/>")]
    [InlineData("<forward mode='bridge'/><bridge name='ovsbr0'/><virtualport type='openvswitch'/>")]
    [InlineData("<forward mode='vepa' dev='eth0'/>")]
    [InlineData("<forward mode='hostdev'><pf dev='eth2'/></forward>")]
    public async Task Backends_without_dhcp_dns_refuse_its_operations_as_not_supported(string body)
    {
        var n = Net(body);
        var backend = _backends.For(n);
        Assert.False(backend.Capabilities.HasFlag(NetworkCapabilities.DhcpDns));
        Assert.Equal(ErrorCode.NotSupported, Assert.Throws<VireoException>(() => backend.Leases(n)).Code);
        Assert.Equal(ErrorCode.NotSupported, (await Assert.ThrowsAsync<VireoException>(() => backend.ReviveAsync(n, default))).Code);
        var ex = await Assert.ThrowsAsync<VireoException>(() => backend.ApplyUpdateAsync(n, "dns-host", default));
        Assert.Contains("network 'n' has no DHCP/DNS service run by vireod", ex.Message);
    }
}
