using System.Text.RegularExpressions;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>
/// Guests on macvtap links (direct networks and direct interfaces) over a veth end inside the test's
/// namespace; vireod makes each link and hands QEMU the descriptor of its character device.
/// </summary>
[Collection("vm")]
public class MacvtapTests
{
    private static void Veth(Netns ns, string end, string peer)
    {
        ns.Exec("ip", "link", "add", end, "type", "veth", "peer", "name", peer);
        ns.Exec("ip", "link", "set", end, "up");
        ns.Exec("ip", "link", "set", peer, "up");
    }

    private static int MacvtapLinks(Netns ns) => Regex.Matches(ns.Exec("ip", "-o", "link", "show", "type", "macvtap"), "macvtap").Count;

    private static string Direct(string mac, string dev, string mode) =>
        $"<interface type='direct'><mac address='{mac}'/><source dev='{dev}' mode='{mode}'/><model type='virtio'/></interface>";

    /// <summary>b takes 10.60.0.12, a pings it; returns a's console.</summary>
    private static async Task<string> PingAsync(DaemonFixture d)
    {
        await GuestNet.RunAsync(d, "b", "ip addr add 10.60.0.12/24 dev eth0; ip link set eth0 up");
        return await GuestNet.RunAsync(d, "a", "ip addr add 10.60.0.11/24 dev eth0; ip link set eth0 up; ping -c 3 -W 3 10.60.0.12");
    }

    [SkippableFact]
    public async Task Two_guests_talk_over_macvtap_in_bridge_mode_vepa_needs_a_hairpin_switch_and_private_keeps_them_apart()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        Veth(ns, "vlow", "vpeer");
        var xml = Path.Combine(d.Root, "mvt.xml");
        await File.WriteAllTextAsync(xml, "<network><name>mvt</name><forward mode='bridge'><interface dev='vlow'/></forward></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "mvt")).Ok();
        Assert.Matches(@"mvt\s+active\s+no\s+yes", (await d.Vireo("net-list")).Ok().Stdout);

        // Bridge mode: macvtap links on one device switch between themselves.
        await GuestNet.DefineAndBootAsync(d, "a", "<interface type='network'><mac address='52:54:00:60:00:0a'/><source network='mvt'/><model type='virtio'/></interface>");
        await GuestNet.DefineAndBootAsync(d, "b", "<interface type='network'><mac address='52:54:00:60:00:0b'/><source network='mvt'/><model type='virtio'/></interface>");
        var live = (await d.Vireo("dumpxml", "a")).Ok().Stdout;
        Assert.Contains("<interface type='direct'>", live);
        Assert.Contains("<source network='mvt' dev='vlow' mode='bridge'/>", live);
        Assert.DoesNotContain("type='direct'", (await d.Vireo("dumpxml", "a", "--inactive")).Ok().Stdout); // the definition keeps its type
        var links = ns.Exec("ip", "-d", "-o", "link", "show", "type", "macvtap");
        Assert.Equal(2, Regex.Matches(links, @"macvtap\d+@vlow: .* macvtap mode bridge ").Count);
        Assert.Contains("link/ether 52:54:00:60:00:0a", links);
        Assert.Matches(@"macvtap\d+\s+direct\s+mvt\s+virtio\s+52:54:00:60:00:0a", (await d.Vireo("domiflist", "a")).Ok().Stdout);
        var log = File.ReadAllText(Path.Combine(d.Root, "var/log/vireo/qemu/a.log"));
        Assert.Contains("\"execute\":\"getfd\",", log);
        Assert.Matches("netdev_add.*\"fd\":\"tapfd-net0-0\"", log);
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", await PingAsync(d));
        Assert.Matches(@"macvtap\d+ tx_packets [1-9]", (await d.Vireo("domifstat", "a", "52:54:00:60:00:0a")).Ok().Stdout);
        (await d.Vireo("destroy", "a")).Ok();
        (await d.Vireo("destroy", "b")).Ok();
        Assert.Equal(0, MacvtapLinks(ns)); // unlike taps, macvtap links outlive QEMU unless vireod removes them

        // VEPA: every frame goes out to the adjacent switch, which must send it back (hairpin) for the guests to meet.
        ns.Exec("ip", "link", "add", "hp", "type", "bridge");
        ns.Exec("ip", "link", "set", "vpeer", "master", "hp");
        ns.Exec("ip", "link", "set", "hp", "up");
        ns.Exec("bridge", "link", "set", "dev", "vpeer", "hairpin", "on");
        await GuestNet.DefineAndBootAsync(d, "a", Direct("52:54:00:60:00:0a", "vlow", "vepa"));
        await GuestNet.DefineAndBootAsync(d, "b", Direct("52:54:00:60:00:0b", "vlow", "vepa"));
        Assert.Equal(2, Regex.Matches(ns.Exec("ip", "-d", "-o", "link", "show", "type", "macvtap"), "macvtap mode vepa ").Count);
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", await PingAsync(d));
        (await d.Vireo("destroy", "a")).Ok();
        (await d.Vireo("destroy", "b")).Ok();

        // Private: even with the switch reflecting frames, guests on one device never see each other.
        await GuestNet.DefineAndBootAsync(d, "a", Direct("52:54:00:60:00:0a", "vlow", "private"));
        await GuestNet.DefineAndBootAsync(d, "b", Direct("52:54:00:60:00:0b", "vlow", "private"));
        Assert.Contains("3 packets transmitted, 0 packets received", await PingAsync(d));
        (await d.Vireo("destroy", "a")).Ok();
        (await d.Vireo("destroy", "b")).Ok();
        Assert.Equal(0, MacvtapLinks(ns));
    }

    [SkippableFact]
    public async Task Passthrough_gives_a_guest_the_whole_interface_and_survives_a_daemon_restart()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        Veth(ns, "vlow", "vpeer");
        Veth(ns, "vlow2", "vpeer2");
        ns.Exec("ip", "addr", "add", "10.61.0.1/24", "dev", "vpeer");
        var original = ns.Exec("cat", "/sys/class/net/vlow/address").Trim();
        await GuestNet.DefineAndBootAsync(d, "p1", Direct("52:54:00:61:00:01", "vlow", "passthrough"));
        Assert.Contains("macvtap mode passthru ", ns.Exec("ip", "-d", "-o", "link", "show", "type", "macvtap"));
        var ping = await GuestNet.RunAsync(d, "p1", "ip addr add 10.61.0.2/24 dev eth0; ip link set eth0 up; ping -c 3 -W 3 10.61.0.1");
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", ping);

        // Nobody else gets vlow while p1 has it, and a refused start leaves nothing behind.
        await File.WriteAllTextAsync(Path.Combine(d.Root, "p2.xml"), Guest.Xml("p2", Direct("52:54:00:61:00:02", "vlow", "bridge")));
        (await d.Vireo("define", Path.Combine(d.Root, "p2.xml"))).Ok();
        (await d.Vireo("start", "p2")).Fails("host interface 'vlow' is used by domain 'p1' in passthrough mode");
        Assert.Equal(1, MacvtapLinks(ns));
        // A passthrough network hands out the interfaces nobody uses, one guest each.
        var xml = Path.Combine(d.Root, "pt.xml");
        await File.WriteAllTextAsync(xml, "<network><name>pt</name><forward mode='passthrough'><interface dev='vlow'/><interface dev='vlow2'/></forward></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "pt")).Ok();
        await File.WriteAllTextAsync(Path.Combine(d.Root, "p3.xml"), Guest.Xml("p3", "<interface type='network'><source network='pt'/><model type='e1000'/></interface>"));
        (await d.Vireo("define", Path.Combine(d.Root, "p3.xml"))).Ok();
        (await d.Vireo("start", "p3")).Ok();
        Assert.Contains("dev='vlow2' mode='passthrough'", (await d.Vireo("dumpxml", "p3")).Ok().Stdout);
        await File.WriteAllTextAsync(Path.Combine(d.Root, "p4.xml"), Guest.Xml("p4", "<interface type='network'><source network='pt'/></interface>"));
        (await d.Vireo("define", Path.Combine(d.Root, "p4.xml"))).Ok();
        (await d.Vireo("start", "p4")).Fails("network 'pt': no free interface among vlow, vlow2 (passthrough mode gives each guest an interface of its own)");
        (await d.Vireo("destroy", "p3")).Ok();

        // A macvtap NIC hot-plugged into the running guest, and its link gone again on detach.
        Veth(ns, "vlow3", "vpeer3");
        (await d.Vireo("attach-interface", "p1", "direct", "vlow3", "--source-mode", "bridge", "--mac", "52:54:00:61:00:33", "--live")).Ok();
        Assert.Contains("NIC-52:54:00:61:00:33", await GuestNet.RunAsync(d, "p1",
            "for i in $(seq 100); do [ -e /sys/class/net/eth1 ] && break; sleep 0.1; done; echo NIC-$(cat /sys/class/net/eth1/address)"));
        Assert.Matches(@"macvtap\d+@vlow3", ns.Exec("ip", "-o", "link", "show", "type", "macvtap"));
        (await d.Vireo("detach-interface", "p1", "direct", "--mac", "52:54:00:61:00:33", "--live")).Ok();
        Assert.DoesNotMatch(@"macvtap\d+@vlow3", ns.Exec("ip", "-o", "link", "show", "type", "macvtap"));

        // vireod restarts; the guest keeps its link, and destroying it later still removes the link and restores vlow's MAC.
        await d.KillDaemonAsync();
        await d.StartDaemonAsync();
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", await GuestNet.RunAsync(d, "p1", "ping -c 3 -W 3 10.61.0.1"));
        (await d.Vireo("destroy", "p1")).Ok();
        Assert.Equal(0, MacvtapLinks(ns));
        Assert.Equal(original, ns.Exec("cat", "/sys/class/net/vlow/address").Trim());
    }
}
