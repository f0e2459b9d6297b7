using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Host.Processes;
using Vireo.Network.HostBridge;

namespace Vireo.Network.Tests.HostBridge;

/// <summary>A host's own bridge: checked, joined, never made or removed by vireod.</summary>
public sealed class HostBridgeNetworkBackendTests
{
    private static readonly NetworkDefinition Net = NetworkDefinition.Parse("<network><name>hb</name><forward mode='bridge'/><bridge name='br0'/></network>");

    private static (HostBridgeNetworkBackend, RecordingRunner) Make(string links)
    {
        var runner = new RecordingRunner(_ => new ProcessResult(0, links, ""));
        return (new HostBridgeNetworkBackend(new HostInterfaces(runner)), runner);
    }

    [Fact]
    public async Task A_missing_bridge_is_named_and_nothing_is_changed()
    {
        var (backend, runner) = Make("""[{"ifname":"lo"}]""");
        var ex = await Assert.ThrowsAsync<VireoException>(() => backend.StartAsync(Net, [], default));
        Assert.Equal("network 'hb': host bridge 'br0' does not exist", ex.Message);
        Assert.Equal(["ip -j link show"], runner.Commands);
        Assert.False(await backend.AdoptAsync(Net, default));
    }

    [Fact]
    public async Task An_existing_bridge_is_joined_and_stays_when_the_network_stops()
    {
        var (backend, runner) = Make("""[{"ifname":"lo"},{"ifname":"br0"}]""");
        await backend.StartAsync(Net, [], default);
        Assert.True(await backend.AdoptAsync(Net, default));
        await backend.StopAsync(Net, [], default);
        Assert.All(runner.Commands, c => Assert.Equal("ip -j link show", c));
        var plug = backend.PlugOf(Net);
        Assert.Equal(("hb", "br0", null, null, false), (plug.Network, plug.Bridge, plug.VirtualPort, plug.MacvtapMode, plug.Hostdev));
    }
}
