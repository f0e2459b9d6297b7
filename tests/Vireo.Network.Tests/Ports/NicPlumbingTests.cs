using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Host.Processes;
using Vireo.Network.Ports;

namespace Vireo.Network.Tests.Ports;

/// <summary>
/// Each host-side operation of a guest NIC against a recording runner and recorded tap devices (the real links,
/// bridges and tc rules are made in the integration tests): what runs, in which order, and what a failure undoes.
/// </summary>
public sealed class NicPlumbingTests : IDisposable
{
    private static readonly Guid Vm = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private const string IfaceId = "0b3b1a76-6a4e-4f39-9e3c-2f3e5c1d9a10";
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-plumbing-").FullName;
    private string Sys => Path.Combine(_root, "sys");
    private string State => Path.Combine(_root, "state");

    public NicPlumbingTests()
    {
        Directory.CreateDirectory(Path.Combine(Sys, "eth0"));
        File.WriteAllText(Path.Combine(Sys, "eth0", "address"), "02:00:00:00:00:01\n");
    }

    public void Dispose() => Directory.Delete(_root, true);

    private static InterfaceDef Nic(string xml) => DomainDefinition.Parse(
        $"<domain type='qemu'><name>g</name><memory>65536</memory><os><type>hvm</type></os><devices>{xml}</devices></domain>").Interfaces.Single();

    private static ProcessResult Ok => new(0, "", "");

    private readonly LogRecorder<NicPlumbing> _log = new();

    private (NicPlumbing Plumbing, RecordingRunner Runner, RecordingTapDevices Taps) Make(Func<IReadOnlyList<string>, bool>? fails = null, int failOpenAt = -1)
    {
        var runner = new RecordingRunner(argv => fails?.Invoke(argv) == true ? new ProcessResult(2, "", "RTNETLINK answers: Operation not supported") : Ok);
        var taps = new RecordingTapDevices(failOpenAt);
        return (new NicPlumbing(new GuestPorts(runner, State, Sys, _log), taps, _log), runner, taps);
    }

    [Fact]
    public async Task What_is_made_and_removed_on_the_host_reaches_the_log()
    {
        var (plumbing, _, _) = Make(argv => argv is ["ip", "link", "set", "dev", "eth0", "address", ..]);
        var direct = Nic("<interface type='direct'><mac address='52:54:00:00:00:02'/><source dev='eth0' mode='passthrough'/><target dev='macvtap4'/></interface>");
        (await plumbing.PlugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet0'/>" +
            "<driver queues='2'/><bandwidth><inbound average='10'/></bandwidth></interface>"), Vm)).Dispose();
        (await plumbing.PlugAsync(direct, Vm)).Dispose();
        await plumbing.UnplugAsync(direct);
        await plumbing.SetVfMacAsync("eth2", 3, "52:54:00:00:00:07", "42");
        Assert.Equal(["Guest NIC vnet0 (52:54:00:00:00:01): plugged, bridge br0, 2 queues, bandwidth limited",
            "Guest NIC macvtap4 (52:54:00:00:00:02): plugged, macvtap on eth0 in passthrough mode"], _log.With(2120));
        Assert.Equal(["Guest NIC macvtap4: macvtap link on eth0 removed"], _log.With(2121));
        Assert.Equal(["Guest NIC eth0: its own MAC 02:00:00:00:00:01 could not be put back: RTNETLINK answers: Operation not supported"], _log.With(2122));
        Assert.Equal(["SR-IOV virtual function 3 of eth2: MAC 52:54:00:00:00:07 and VLAN 42 set"], _log.With(2124));
    }

    [Fact]
    public async Task A_tap_is_created_with_the_virtio_header_and_joins_a_linux_bridge()
    {
        var (plumbing, runner, taps) = Make();
        using var host = await plumbing.PlugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet3'/></interface>"), Vm);
        Assert.Equal(["tap vnet3 vnet_hdr"], taps.Opens);
        Assert.Equal(["ip link set dev vnet3 master br0", "ip link set dev vnet3 up"], runner.Commands);
        Assert.Equal("bridge br0", host.Where);
        Assert.Same(taps.Handles[0], Assert.Single(host.Descriptors));
    }

    [Fact]
    public async Task A_multiqueue_virtio_nic_gets_one_tap_queue_per_queue_and_an_e1000_no_virtio_header()
    {
        var (plumbing, _, taps) = Make();
        using var mq = await plumbing.PlugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet0'/>" +
            "<model type='virtio'/><driver queues='3'/></interface>"), Vm);
        using var e1000 = await plumbing.PlugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/><target dev='vnet1'/>" +
            "<model type='e1000'/><driver queues='3'/></interface>"), Vm);
        Assert.Equal(["tap vnet0 vnet_hdr multi_queue", "tap vnet0 vnet_hdr multi_queue", "tap vnet0 vnet_hdr multi_queue", "tap vnet1"], taps.Opens);
        Assert.Equal(3, mq.Descriptors.Count);
    }

    [Fact]
    public async Task An_open_vswitch_nic_becomes_a_port_carrying_the_guests_ids()
    {
        var (plumbing, runner, _) = Make();
        using var host = await plumbing.PlugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='ovsbr0'/><target dev='vnet0'/>" +
            $"<virtualport type='openvswitch'><parameters interfaceid='{IfaceId}'/></virtualport></interface>"), Vm);
        Assert.Equal(["ovs-vsctl --timeout=5 -- --if-exists del-port vnet0 -- add-port ovsbr0 vnet0 -- set Interface vnet0 " +
            $"external-ids:attached-mac=\"52:54:00:00:00:01\" external-ids:iface-id=\"{IfaceId}\" external-ids:vm-id=\"{Vm}\" external-ids:iface-status=active",
            "ip link set dev vnet0 up"], runner.Commands);
        Assert.Equal("Open vSwitch bridge ovsbr0", host.Where);
    }

    [Fact]
    public async Task A_direct_nic_is_a_macvtap_link_with_its_queues_opened()
    {
        var (plumbing, runner, taps) = Make();
        using var host = await plumbing.PlugAsync(Nic("<interface type='direct'><mac address='52:54:00:00:00:01'/><source dev='eth0' mode='bridge'/>" +
            "<target dev='macvtap2'/><model type='virtio'/><driver queues='2'/></interface>"), Vm);
        Assert.Equal(["ip link add link eth0 name macvtap2 address 52:54:00:00:00:01 type macvtap mode bridge", "ip link set dev macvtap2 up"], runner.Commands);
        Assert.Equal(["macvtap queue macvtap2 vnet_hdr", "macvtap queue macvtap2 vnet_hdr"], taps.Opens);
        Assert.Equal("macvtap on eth0 in bridge mode", host.Where);
    }

    [Fact]
    public async Task Bandwidth_becomes_tc_rules_and_swaps_direction_on_macvtap()
    {
        const string bw = "<bandwidth><inbound average='1000'/><outbound average='200' burst='64'/></bandwidth>";
        var (plumbing, runner, _) = Make();
        using (await plumbing.PlugAsync(Nic($"<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet0'/>{bw}</interface>"), Vm)) { }
        Assert.Equal(["tc qdisc add dev vnet0 root handle 1: htb default 1", "tc class add dev vnet0 parent 1: classid 1:1 htb rate 1000kbps ceil 1000kbps",
            "tc qdisc add dev vnet0 ingress",
            "tc filter add dev vnet0 parent ffff: protocol all u32 match u32 0 0 police rate 200kbps burst 64kb mtu 64kb drop flowid :1"],
            runner.Commands.Where(c => c.StartsWith("tc ")));
        runner.Calls.Clear();
        using (await plumbing.PlugAsync(Nic($"<interface type='direct'><mac address='52:54:00:00:00:02'/><source dev='eth0' mode='vepa'/><target dev='macvtap0'/>{bw}</interface>"), Vm)) { }
        // On macvtap the link's egress is what the guest sends: its outbound limit is the htb class.
        Assert.Contains("tc class add dev macvtap0 parent 1: classid 1:1 htb rate 200kbps ceil 200kbps burst 64kb", runner.Commands);
        Assert.Contains("tc filter add dev macvtap0 parent ffff: protocol all u32 match u32 0 0 police rate 1000kbps burst 125kb mtu 64kb drop flowid :1", runner.Commands);
    }

    [Fact]
    public async Task A_bad_rate_refuses_the_nic_before_anything_is_made()
    {
        var (plumbing, runner, taps) = Make();
        var nic = Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet0'/>" +
            "<bandwidth><inbound average='10'/></bandwidth></interface>");
        // Define refuses it too; the plumbing does not rely on that.
        nic.Element.Element("bandwidth")!.Element("inbound")!.SetAttributeValue("average", "fast");
        var ex = await Assert.ThrowsAsync<VireoException>(() => plumbing.PlugAsync(nic, Vm));
        Assert.Contains("average='fast' must be a positive number", ex.Message);
        Assert.Empty(runner.Calls);
        Assert.Empty(taps.Opens);
    }

    [Fact]
    public async Task A_failed_bridge_join_closes_the_taps_it_opened()
    {
        var (plumbing, _, taps) = Make(argv => argv.Contains("master"));
        await Assert.ThrowsAsync<ProcessFailedException>(() => plumbing.PlugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/>" +
            "<source bridge='br0'/><target dev='vnet0'/><driver queues='2'/></interface>"), Vm));
        Assert.Equal(2, taps.Handles.Count);
        Assert.All(taps.Handles, h => Assert.True(h.IsClosed));
    }

    [Fact]
    public async Task A_failed_bandwidth_removes_the_ovs_port_and_closes_the_tap()
    {
        var (plumbing, runner, taps) = Make(argv => argv[0] == "tc");
        var ex = await Assert.ThrowsAsync<VireoException>(() => plumbing.PlugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='ovsbr0'/>" +
            $"<target dev='vnet0'/><virtualport type='openvswitch'><parameters interfaceid='{IfaceId}'/></virtualport><bandwidth><inbound average='10'/></bandwidth></interface>"), Vm));
        Assert.Contains("cannot apply <bandwidth> to interface vnet0", ex.Message);
        Assert.Equal("ovs-vsctl --timeout=5 -- --if-exists del-port vnet0", runner.Commands.Last());
        Assert.True(Assert.Single(taps.Handles).IsClosed);
    }

    [Fact]
    public async Task A_macvtap_queue_that_cannot_be_opened_deletes_the_link_and_closes_the_queues_before_it()
    {
        var (plumbing, runner, taps) = Make(failOpenAt: 1);
        await Assert.ThrowsAsync<IOException>(() => plumbing.PlugAsync(Nic("<interface type='direct'><mac address='52:54:00:00:00:01'/>" +
            "<source dev='eth0' mode='passthrough'/><target dev='macvtap0'/><driver queues='2'/></interface>"), Vm));
        Assert.True(Assert.Single(taps.Handles).IsClosed);
        Assert.Equal(["ip link del macvtap0", "ip link set dev eth0 address 02:00:00:00:00:01"], runner.Commands.Skip(2));
        Assert.False(File.Exists(Path.Combine(State, "eth0.mac")));
    }

    [Fact]
    public async Task Unplug_removes_what_outlives_qemu_and_nothing_for_a_plain_tap()
    {
        var (plumbing, runner, _) = Make();
        await plumbing.UnplugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet0'/></interface>"));
        Assert.Empty(runner.Calls);
        await plumbing.UnplugAsync(Nic("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='ovsbr0'/><target dev='vnet1'/>" +
            "<virtualport type='openvswitch'/></interface>"));
        await plumbing.UnplugAsync(Nic("<interface type='direct'><mac address='52:54:00:00:00:02'/><source dev='eth0'/><target dev='macvtap4'/></interface>"));
        Assert.Equal(["ovs-vsctl --timeout=5 -- --if-exists del-port vnet1", "ip link del macvtap4"], runner.Commands);
    }

    [Fact]
    public async Task A_vf_gets_the_mac_and_vlan_through_its_pf_and_bad_values_are_refused_before_ip_runs()
    {
        var (plumbing, runner, _) = Make();
        await plumbing.SetVfMacAsync("eth2", 3, "52:54:00:00:00:07", "42");
        await plumbing.SetVfMacAsync("eth2", 0, "52:54:00:00:00:08", null);
        Assert.Equal(["ip link set dev eth2 vf 3 mac 52:54:00:00:00:07 vlan 42", "ip link set dev eth2 vf 0 mac 52:54:00:00:00:08"], runner.Commands);
        Assert.Contains("VLAN tag '4096'", (await Assert.ThrowsAsync<VireoException>(() => plumbing.SetVfMacAsync("eth2", 1, "52:54:00:00:00:07", "4096"))).Message);
        Assert.Contains("VLAN tag '1 qos 3'", (await Assert.ThrowsAsync<VireoException>(() => plumbing.SetVfMacAsync("eth2", 1, "52:54:00:00:00:07", "1 qos 3"))).Message);
        Assert.Contains("MAC address 'x'", (await Assert.ThrowsAsync<VireoException>(() => plumbing.SetVfMacAsync("eth2", 1, "x", null))).Message);
        Assert.Equal(2, runner.Calls.Count);
    }

    [Fact]
    public async Task A_vf_that_refuses_the_mac_is_named_in_the_error()
    {
        var (plumbing, _, _) = Make(argv => argv.Contains("vf"));
        var ex = await Assert.ThrowsAsync<VireoException>(() => plumbing.SetVfMacAsync("eth2", 3, "52:54:00:00:00:07", null));
        Assert.Contains("cannot set MAC 52:54:00:00:00:07 on virtual function 3 of eth2", ex.Message);
    }
}
