using Vireo.Core.Errors;
using Vireo.Core.Network;

namespace Vireo.Network.Tests;

/// <summary>Bridge names and subnets against other networks always, and against the host only where vireod makes the bridge.</summary>
public sealed class NetworkConflictsTests
{
    private static NetworkDefinition Net(string name, string body) => NetworkDefinition.Parse($"<network><name>{name}</name>{body}</network>");

    private static readonly List<(IpNetwork, string)> HostRoutes = [(IpNetwork.Parse("10.20.0.0/16"), "eth0")];

    [Fact]
    public void A_bridge_of_its_own_may_not_take_a_host_link_or_overlap_a_host_route()
    {
        var n = Net("own", "<bridge name='eth1'/><ip address='10.20.5.1' prefix='24'/>");
        var ex = Assert.Throws<VireoException>(() => NetworkConflicts.Check(n, ownBridge: true, [], new HashSet<string> { "eth1" }, HostRoutes, null));
        Assert.Equal(["bridge name 'eth1' is already in use on this host", "network 10.20.5.0/24 overlaps the host route 10.20.0.0/16 on eth0"], ex.Details);
        // Its own bridge, while it runs, is not a clash.
        NetworkConflicts.Check(Net("own", "<bridge name='vbr9'/><ip address='10.30.0.1' prefix='24'/>"), ownBridge: true, [],
            new HashSet<string> { "vbr9" }, [(IpNetwork.Parse("10.30.0.0/24"), "vbr9")], ownRunningBridge: "vbr9");
    }

    [Fact]
    public void A_host_bridge_is_meant_to_exist_but_subnets_still_may_not_overlap_another_network()
    {
        var hostBridge = Net("hb", "<forward mode='bridge'/><bridge name='br0'/>");
        NetworkConflicts.Check(hostBridge, ownBridge: false, [], new HashSet<string> { "br0" }, HostRoutes, null);
        var other = Net("other", "<bridge name='vbr1'/><ip address='10.40.0.1' prefix='16'/>");
        var ex = Assert.Throws<VireoException>(() => NetworkConflicts.Check(Net("n", "<bridge name='vbr1'/><ip address='10.40.1.1' prefix='24'/>"),
            ownBridge: true, [other], new HashSet<string>(), [], null));
        Assert.Equal("2 problems: bridge name 'vbr1' is already in use by network 'other'; network 10.40.1.0/24 overlaps network 'other' (10.40.0.0/16)", ex.Message);
    }
}
