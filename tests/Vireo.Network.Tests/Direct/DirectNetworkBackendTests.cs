using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Host.Processes;
using Vireo.Network.Direct;
using Vireo.Network.Sriov;

namespace Vireo.Network.Tests.Direct;

/// <summary>A pool of host interfaces for macvtap links: each must exist; guests learn the pool and the mode.</summary>
public sealed class DirectNetworkBackendTests
{
    private static DirectNetworkBackend Make(string links) =>
        new(new HostInterfaces(new RecordingRunner(_ => new ProcessResult(0, links, ""))), new VfPool("/nonexistent"));

    private static NetworkDefinition Net(string forward) => NetworkDefinition.Parse($"<network><name>mv</name>{forward}</network>");

    [Fact]
    public async Task Interfaces_that_are_missing_are_named()
    {
        var ex = await Assert.ThrowsAsync<VireoException>(() => Make("""[{"ifname":"eth0"}]""")
            .StartAsync(Net("<forward mode='vepa'><interface dev='eth0'/><interface dev='eth8'/><interface dev='eth9'/></forward>"), [], default));
        Assert.Equal("network 'mv': host interfaces 'eth8', 'eth9' not found", ex.Message);
    }

    [Fact]
    public async Task A_pool_without_interfaces_says_what_it_needs()
    {
        var ex = await Assert.ThrowsAsync<VireoException>(() => Make("[]").StartAsync(Net("<forward mode='private'/>"), [], default));
        Assert.Contains("forward mode 'private' needs host interfaces", ex.Message);
    }

    [Fact]
    public async Task A_virtualport_on_macvtap_is_not_supported()
    {
        var ex = await Assert.ThrowsAsync<VireoException>(() => Make("[]")
            .StartAsync(Net("<forward mode='vepa' dev='eth0'/><virtualport type='802.1Qbg'/>"), [], default));
        Assert.Equal(ErrorCode.NotSupported, ex.Code);
    }

    [Fact]
    public async Task Guests_get_the_pool_and_the_mode()
    {
        var backend = Make("""[{"ifname":"eth0"},{"ifname":"eth1"}]""");
        var n = Net("<forward mode='passthrough'><interface dev='eth0'/><interface dev='eth1'/></forward>");
        await backend.StartAsync(n, [], default);
        var plug = backend.PlugOf(n);
        Assert.Equal("passthrough", plug.MacvtapMode);
        Assert.Equal(["eth0", "eth1"], plug.MacvtapDevs);
        Assert.Equal("bridge", Make("[]").PlugOf(Net("<forward mode='bridge' dev='eth0'/>")).MacvtapMode);
    }
}
