using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Host.Processes;
using Vireo.Network.OpenVswitch;

namespace Vireo.Network.Tests.OpenVswitch;

/// <summary>An Open vSwitch bridge: OVS must know it; a bridge OVS lacks, or an OVS that does not answer, is said so.</summary>
public sealed class OvsNetworkBackendTests
{
    private static readonly NetworkDefinition Net = NetworkDefinition.Parse(
        "<network><name>ovs</name><forward mode='bridge'/><bridge name='ovsbr0'/><virtualport type='openvswitch'/></network>");

    private static OvsNetworkBackend Answering(int exit, string stderr = "") => new(new RecordingRunner(_ => new ProcessResult(exit, "", stderr)));

    [Fact]
    public async Task A_bridge_ovs_knows_is_started_and_guests_get_ovs_ports_on_it()
    {
        var runner = new RecordingRunner();
        var backend = new OvsNetworkBackend(runner);
        await backend.StartAsync(Net, [], default);
        Assert.Equal(["ovs-vsctl --timeout=5 br-exists ovsbr0"], runner.Commands);
        var plug = backend.PlugOf(Net);
        Assert.Equal(("ovsbr0", "openvswitch"), (plug.Bridge, plug.VirtualPort));
        Assert.True(await backend.AdoptAsync(Net, default));
    }

    [Fact]
    public async Task A_bridge_ovs_does_not_know_is_named_with_how_to_make_it()
    {
        var ex = await Assert.ThrowsAsync<VireoException>(() => Answering(2).StartAsync(Net, [], default));
        Assert.Equal("network 'ovs': Open vSwitch bridge 'ovsbr0' does not exist (create it with 'ovs-vsctl add-br ovsbr0')", ex.Message);
    }

    [Fact]
    public async Task An_unreachable_ovsdb_is_reported_as_such()
    {
        var ex = await Assert.ThrowsAsync<VireoException>(() => Answering(1, "ovs-vsctl: unix:/run/openvswitch/db.sock: database connection failed")
            .StartAsync(Net, [], default));
        Assert.Contains("cannot reach Open vSwitch (is ovsdb-server running?): ovs-vsctl: unix:/run/openvswitch/db.sock", ex.Message);
    }
}
