using System.Text.RegularExpressions;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>Guests on an Open vSwitch bridge (userspace datapath) through &lt;virtualport type='openvswitch'&gt;, in the test's namespace.</summary>
[Collection("vm")]
public class OpenVswitchTests
{
    [SkippableFact]
    public async Task Two_guests_on_an_open_vswitch_bridge_ping_each_other_and_their_ports_go_with_them()
    {
        var why = OvsSwitch.Unavailable();
        Skip.If(why is not null, why);
        using var ns = new Netns();
        using var ovs = new OvsSwitch(ns);
        ovs.Vsctl("add-br", "ovsbr0", "--", "set", "bridge", "ovsbr0", "datapath_type=netdev");
        await using var d = await GuestNet.StartDaemonAsync(ns, ovs.Env);
        var xml = Path.Combine(d.Root, "ovs.xml");
        await File.WriteAllTextAsync(xml, "<network><name>ovs</name><forward mode='bridge'/><bridge name='ovsbr0'/><virtualport type='openvswitch'/></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "ovs")).Ok();

        // One guest through the network, one with the bridge and virtualport in its own XML.
        await GuestNet.DefineAndBootAsync(d, "a", "<interface type='network'><mac address='52:54:00:70:00:0a'/><source network='ovs'/><model type='virtio'/></interface>");
        await GuestNet.DefineAndBootAsync(d, "b", "<interface type='bridge'><mac address='52:54:00:70:00:0b'/><source bridge='ovsbr0'/><virtualport type='openvswitch'/><model type='virtio'/></interface>");
        var interfaceId = Regex.Match((await d.Vireo("dumpxml", "b", "--inactive")).Ok().Stdout, "interfaceid='([0-9a-f-]{36})'").Groups[1].Value;
        Assert.NotEqual("", interfaceId); // generated at define time, so it stays the same across starts
        var liveA = (await d.Vireo("dumpxml", "a")).Ok().Stdout;
        Assert.Contains("<virtualport type='openvswitch'>", liveA);
        var tapA = Regex.Match(liveA, "<target dev='(vnet\\d+)'").Groups[1].Value;
        var tapB = Regex.Match((await d.Vireo("dumpxml", "b")).Ok().Stdout, "<target dev='(vnet\\d+)'").Groups[1].Value;
        var ports = ovs.Vsctl("list-ports", "ovsbr0").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(tapA, ports);
        Assert.Contains(tapB, ports);
        var ids = ovs.Vsctl("get", "Interface", tapB, "external-ids");
        Assert.Contains("attached-mac=\"52:54:00:70:00:0b\"", ids);
        Assert.Contains($"iface-id=\"{interfaceId}\"", ids);
        Assert.Contains("vm-id=", ids);

        await GuestNet.RunAsync(d, "b", "ip addr add 10.70.0.12/24 dev eth0; ip link set eth0 up");
        var ping = await GuestNet.RunAsync(d, "a", "ip addr add 10.70.0.11/24 dev eth0; ip link set eth0 up; ping -c 3 -W 5 10.70.0.12");
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", ping);

        // QEMU's tap goes with QEMU, but its OVS port would stay in the database: vireod removes it.
        (await d.Vireo("destroy", "a")).Ok();
        Assert.DoesNotContain(tapA, ovs.Vsctl("list-ports", "ovsbr0"));
        (await d.Vireo("destroy", "b")).Ok();
        Assert.DoesNotContain(tapB, ovs.Vsctl("list-ports", "ovsbr0"));

        await File.WriteAllTextAsync(xml, "<network><name>noovs</name><forward mode='bridge'/><bridge name='nobr0'/><virtualport type='openvswitch'/></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "noovs")).Fails("Open vSwitch bridge 'nobr0' does not exist (create it with 'ovs-vsctl add-br nobr0')");
    }
}
