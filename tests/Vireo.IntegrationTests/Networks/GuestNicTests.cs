using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>TCG guests with NICs on Vireo networks, everything inside a network namespace the test creates.</summary>
[Collection("vm")]
public class GuestNicTests
{
    [SkippableFact]
    public async Task Two_guests_on_an_isolated_network_ping_each_other()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var xml = Path.Combine(d.Root, "iso.xml");
        await File.WriteAllTextAsync(xml, "<network><name>iso</name><bridge name='isobr0'/><ip address='10.50.0.1' prefix='24'/></network>");
        (await d.Vireo("net-define", xml)).Ok();
        // A domain on a network that is not running is refused, naming the way out.
        await GuestNet.DefineAndBootAsync(d, "probe", "");
        (await d.Vireo("destroy", "probe")).Ok();
        await File.WriteAllTextAsync(Path.Combine(d.Root, "early.xml"), Guest.Xml("early", "<interface type='network'><source network='iso'/><model type='virtio'/></interface>"));
        (await d.Vireo("define", Path.Combine(d.Root, "early.xml"))).Ok();
        (await d.Vireo("start", "early")).Fails("network 'iso' is not active (start it with 'vireo net-start iso')");
        (await d.Vireo("net-start", "iso")).Ok();

        await GuestNet.DefineAndBootAsync(d, "a", "<interface type='network'><mac address='52:54:00:50:00:0a'/><source network='iso'/><model type='virtio'/></interface>");
        await GuestNet.DefineAndBootAsync(d, "b", "<interface type='network'><mac address='52:54:00:50:00:0b'/><source network='iso'/><model type='virtio'/></interface>");
        Assert.Contains("<target dev='vnet", (await d.Vireo("dumpxml", "a")).Ok().Stdout);
        Assert.Matches(@"vnet\d+.* master isobr0", ns.Exec("ip", "-o", "link", "show"));
        // The tap was made by vireod and handed to QEMU as a descriptor, not opened by QEMU by name.
        var log = File.ReadAllText(Path.Combine(d.Root, "var/log/vireo/qemu/a.log"));
        Assert.Contains("\"execute\":\"getfd\",", log);
        Assert.Matches("netdev_add.*\"fd\":\"tapfd-net0-0\"", log);
        Assert.DoesNotContain("ifname=vnet", log);
        (await d.VireoWithInput("ip addr add 10.50.0.12/24 dev eth0; ip link set eth0 up; echo UP-$((1+1))\n", "console", "b", "--until", "UP-2", "--timeout", "60")).Ok();
        var ping = await d.VireoWithInput(
            "ip addr add 10.50.0.11/24 dev eth0; ip link set eth0 up; ping -c 3 -W 5 10.50.0.12; echo PING-DONE-$((3+3))\n",
            "console", "a", "--until", "PING-DONE-6", "--timeout", "90");
        ping.Ok();
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", ping.Stdout);
        // A NIC hot-plugged into the running guest appears as eth1, and goes again on detach.
        Assert.Equal("Interface attached successfully\n\n", (await d.Vireo("attach-interface", "a", "network", "iso", "--mac", "52:54:00:50:00:1a", "--live")).Ok().Stdout);
        Assert.Contains("52:54:00:50:00:1a", (await d.Vireo("domiflist", "a")).Ok().Stdout);
        var seen = await d.VireoWithInput("for i in $(seq 100); do [ -e /sys/class/net/eth1 ] && break; sleep 0.1; done; echo NICS-$(cat /sys/class/net/eth1/address)-$((1+8))\n",
            "console", "a", "--until", "-9", "--timeout", "60");
        Assert.Contains("NICS-52:54:00:50:00:1a-9", seen.Ok().Stdout);
        Assert.Equal("Interface detached successfully\n\n", (await d.Vireo("detach-interface", "a", "network", "--mac", "52:54:00:50:00:1a", "--live")).Ok().Stdout);
        Assert.DoesNotContain("52:54:00:50:00:1a", (await d.Vireo("domiflist", "a")).Ok().Stdout);
        (await d.Vireo("detach-interface", "a", "network", "--mac", "52:54:00:50:00:1a", "--live")).Fails("No interface found");
        (await d.Vireo("destroy", "a")).Ok();
        (await d.Vireo("destroy", "b")).Ok();
        // QEMU's taps go with QEMU.
        Assert.DoesNotContain("vnet", ns.Exec("ip", "-o", "link", "show"));
    }

    [SkippableFact]
    public async Task A_guest_on_the_default_nat_network_gets_a_dhcp_lease()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        await GuestNet.DefineAndBootAsync(d, "dhcp", "<interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/><model type='virtio'/></interface>");
        var r = await d.VireoWithInput("ip link set eth0 up; udhcpc -i eth0 -n -q -t 10 -T 1 -s /bin/true; echo DHCP-$((4+4))\n",
            "console", "dhcp", "--until", "DHCP-8", "--timeout", "120");
        Assert.Contains("obtained from 192.168.122.1", r.Ok().Stdout);
        Assert.Matches(@"52:54:00:12:34:56\s+ipv4\s+192\.168\.122\.\d+/24", (await d.Vireo("net-dhcp-leases", "default")).Ok().Stdout);
        Assert.Matches(@" vnet\d+\s+network\s+default\s+virtio\s+52:54:00:12:34:56", (await d.Vireo("domiflist", "dhcp")).Ok().Stdout);
        Assert.Matches(@" vnet\d+\s+52:54:00:12:34:56\s+ipv4\s+192\.168\.122\.\d+/24", (await d.Vireo("domifaddr", "dhcp", "--source", "lease")).Ok().Stdout);
        (await d.Vireo("domifaddr", "dhcp", "--source", "agent")).Fails("guest agent is not configured");
        var stats = (await d.Vireo("domifstat", "dhcp", "52:54:00:12:34:56")).Ok().Stdout;
        Assert.Matches(@"vnet\d+ tx_packets [1-9]", stats); // the guest sent DHCP requests
        Assert.EndsWith(" up\n\n", (await d.Vireo("domif-getlink", "dhcp", "52:54:00:12:34:56")).Ok().Stdout);
        (await d.Vireo("domif-setlink", "dhcp", "52:54:00:12:34:56", "down")).Ok();
        Assert.EndsWith(" down\n\n", (await d.Vireo("domif-getlink", "dhcp", "52:54:00:12:34:56")).Ok().Stdout);
        var carrier = await d.VireoWithInput("echo CARRIER-$(cat /sys/class/net/eth0/carrier)-$((2*5))\n", "console", "dhcp", "--until", "-10", "--timeout", "60");
        Assert.Contains("CARRIER-0-10", carrier.Ok().Stdout);
        Assert.Contains("<link state='down'", (await d.Vireo("dumpxml", "dhcp")).Ok().Stdout);
        (await d.Vireo("destroy", "dhcp")).Ok();
    }

    [SkippableFact]
    public async Task A_host_bridge_network_puts_guests_on_the_existing_bridge_and_hostdev_needs_sriov()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        ns.Exec("ip", "link", "add", "br0", "type", "bridge");
        ns.Exec("ip", "link", "set", "br0", "up");
        var xml = Path.Combine(d.Root, "hostbr.xml");
        await File.WriteAllTextAsync(xml, "<network><name>hostbr</name><forward mode='bridge'/><bridge name='br0'/></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "hostbr")).Ok();
        await GuestNet.DefineAndBootAsync(d, "onbr", "<interface type='network'><source network='hostbr'/><model type='virtio'/></interface>");
        Assert.Matches(@"vnet\d+.* master br0", ns.Exec("ip", "-o", "link", "show"));
        (await d.Vireo("destroy", "onbr")).Ok();
        (await d.Vireo("net-destroy", "hostbr")).Ok();
        Assert.Contains("br0", ns.Exec("ip", "-o", "link", "show", "br0")); // not Vireo's to remove
        await File.WriteAllTextAsync(xml, "<network><name>gone</name><forward mode='bridge'/><bridge name='nobr9'/></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "gone")).Fails("host bridge 'nobr9' does not exist");
        // hostdev: this host has no SR-IOV; the error names the interface and what is missing.
        await File.WriteAllTextAsync(xml, "<network><name>vfs</name><forward mode='hostdev' managed='yes'><pf dev='lo'/></forward></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "vfs")).Fails("interface 'lo' does not support SR-IOV");
        await File.WriteAllTextAsync(xml, "<network><name>macv</name><forward mode='vepa'><interface dev='eth0'/><interface dev='eth9'/></forward></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "macv")).Fails("network 'macv': host interfaces 'eth0', 'eth9' not found");
        await File.WriteAllTextAsync(xml, "<network><name>nodev</name><forward mode='private'/></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "nodev")).Fails("forward mode 'private' needs host interfaces");
    }

    [SkippableFact]
    public async Task E1000_and_rtl8139_guests_talk_and_a_multiqueue_virtio_nic_has_its_queues()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var xml = Path.Combine(d.Root, "iso.xml");
        await File.WriteAllTextAsync(xml, "<network><name>m</name><bridge name='mbr0'/><ip address='10.51.0.1' prefix='24'/></network>");
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "m")).Ok();
        await GuestNet.DefineAndBootAsync(d, "e1k", "<interface type='network'><source network='m'/><model type='e1000'/></interface>");
        await GuestNet.DefineAndBootAsync(d, "rtl", "<interface type='network'><source network='m'/><model type='rtl8139'/></interface>");
        (await d.VireoWithInput("ip addr add 10.51.0.12/24 dev eth0; ip link set eth0 up; echo UP-$((1+1))\n", "console", "rtl", "--until", "UP-2", "--timeout", "60")).Ok();
        var ping = await d.VireoWithInput(
            "echo DRV-$(basename $(readlink /sys/class/net/eth0/device/driver))-END; ip addr add 10.51.0.11/24 dev eth0; ip link set eth0 up; ping -c 3 -W 5 10.51.0.12; echo PING-DONE-$((3+3))\n",
            "console", "e1k", "--until", "PING-DONE-6", "--timeout", "90");
        ping.Ok();
        Assert.Contains("DRV-e1000-END", ping.Stdout);
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", ping.Stdout);
        (await d.Vireo("destroy", "e1k")).Ok();
        (await d.Vireo("destroy", "rtl")).Ok();
        // Linux uses min(queues, CPUs) queue pairs: two vCPUs to see both.
        var mqXml = Path.Combine(d.Root, "mq.xml");
        await File.WriteAllTextAsync(mqXml, Guest.Xml("mq", "<interface type='network'><source network='m'/><model type='virtio'/><driver name='vhost' queues='2'/></interface>").Replace("<vcpu>1</vcpu>", "<vcpu>2</vcpu>"));
        (await d.Vireo("define", mqXml)).Ok();
        (await d.Vireo("start", "mq", "--console", "--until", Guest.Ready, "--timeout", "120")).Ok();
        var queues = await d.VireoWithInput("echo Q-$(ls /sys/class/net/eth0/queues | tr '\\n' ' ')-END$((2+3))\n", "console", "mq", "--until", "END5", "--timeout", "60");
        Assert.Contains("rx-0 rx-1 tx-0 tx-1", queues.Ok().Stdout);
        Assert.Contains("\"fds\":\"tapfd-net0-0:tapfd-net0-1\"", File.ReadAllText(Path.Combine(d.Root, "var/log/vireo/qemu/mq.log")));
        (await d.Vireo("destroy", "mq")).Ok();
    }

    [SkippableFact]
    public async Task Bandwidth_limits_become_tc_rules_on_the_tap()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        await GuestNet.DefineAndBootAsync(d, "bw", "<interface type='network'><source network='default'/><model type='virtio'/>" +
            "<bandwidth><inbound average='1000' peak='2000' burst='64'/></bandwidth></interface>");
        var tap = (await d.Vireo("domiflist", "bw")).Ok().Stdout.Split('\n')[2].Trim().Split(' ')[0];
        var classes = ns.Exec("tc", "class", "show", "dev", tap);
        Assert.Contains("htb 1:1", classes);
        Assert.Contains("rate 8Mbit ceil 16Mbit", classes); // 1000 and 2000 kilobytes/s
        (await d.Vireo("destroy", "bw")).Ok();
        // Limiting what the guest sends needs tc's police action; where the kernel lacks it the start says so.
        var police = ns.TryExec("sh", "-c", "ip link add t0 type veth peer name t1 && tc qdisc add dev t0 ingress && tc filter add dev t0 parent ffff: protocol all u32 match u32 0 0 police rate 100kbps burst 10kb drop flowid :1");
        await File.WriteAllTextAsync(Path.Combine(d.Root, "out.xml"), Guest.Xml("out", "<interface type='network'><source network='default'/><model type='virtio'/>" +
            "<bandwidth><outbound average='128' burst='32'/></bandwidth></interface>"));
        (await d.Vireo("define", Path.Combine(d.Root, "out.xml"))).Ok();
        var start = await d.Vireo("start", "out");
        if (police.Exit == 0)
        {
            start.Ok();
            Assert.Contains("police", ns.Exec("tc", "filter", "show", "dev", (await d.Vireo("domiflist", "out")).Ok().Stdout.Split('\n')[2].Trim().Split(' ')[0], "parent", "ffff:"));
        }
        else
        {
            start.Fails("act_police");
            // Nothing is left running after a start that failed half-way.
            Assert.Equal("shut off (failed)", (await d.Vireo("domstate", "out", "--reason")).Ok().Stdout.Trim());
            Assert.Null(d.QemuPid("out"));
            Assert.DoesNotContain("vnet", ns.Exec("ip", "-o", "link", "show"));
        }
    }

    [SkippableFact]
    public async Task A_user_mode_nic_gets_an_address_from_qemus_own_dhcp()
    {
        // User networking never leaves QEMU here: DHCP is answered by QEMU itself, and vireod (so QEMU)
        // runs in the test's namespace, which has no route anywhere.
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        await GuestNet.DefineAndBootAsync(d, "u", "<interface type='user'><mac address='52:54:00:90:00:01'/><model type='virtio'/></interface>");
        var r = await GuestNet.RunAsync(d, "u", "ip link set eth0 up; udhcpc -i eth0 -n -q -t 10 -T 1 -s /bin/true");
        Assert.Contains("lease of 10.0.2.15 obtained from 10.0.2.2", r);
        Assert.Matches(@"-\s+user\s+-\s+virtio\s+52:54:00:90:00:01", (await d.Vireo("domiflist", "u")).Ok().Stdout);
        Assert.Contains("-netdev user,id=hostnet0", File.ReadAllText(Path.Combine(d.Root, "var/log/vireo/qemu/u.log")));
        (await d.Vireo("destroy", "u")).Ok();
    }

    [SkippableFact]
    public async Task A_q35_guest_gets_its_nic_behind_a_root_port_and_can_hot_plug_another()
    {
        // pcie.0 takes no hotplug: NICs vireod plugs go behind PCI Express root ports of their own.
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var xml = Path.Combine(d.Root, "q.xml");
        await File.WriteAllTextAsync(xml, "<network><name>q</name><bridge name='qbr0'/><ip address='10.52.0.1' prefix='24'/></network>");
        (await d.Vireo("net-create", xml)).Ok();
        var file = Path.Combine(d.Root, "q35.xml");
        await File.WriteAllTextAsync(file, Guest.Xml("q35", "<interface type='network'><mac address='52:54:00:52:00:01'/><source network='q'/><model type='virtio'/></interface>")
            .Replace("machine='pc'", "machine='q35'"));
        (await d.Vireo("define", file)).Ok();
        (await d.Vireo("start", "q35", "--console", "--until", Guest.Ready, "--timeout", "120")).Ok();
        Assert.Contains("NIC-52:54:00:52:00:01", await GuestNet.RunAsync(d, "q35", "echo NIC-$(cat /sys/class/net/eth0/address)"));
        Assert.Matches("device_add.*\"bus\":\"vireo-port1\"", File.ReadAllText(Path.Combine(d.Root, "var/log/vireo/qemu/q35.log")));
        (await d.Vireo("attach-interface", "q35", "network", "q", "--mac", "52:54:00:52:00:02", "--live")).Ok();
        Assert.Contains("NIC-52:54:00:52:00:02", await GuestNet.RunAsync(d, "q35",
            "for i in $(seq 100); do [ -e /sys/class/net/eth1 ] && break; sleep 0.1; done; echo NIC-$(cat /sys/class/net/eth1/address)"));
        (await d.Vireo("destroy", "q35")).Ok();
    }

    [SkippableFact]
    public async Task A_guest_on_a_nat_network_gets_its_lease_resolves_a_dns_host_and_reaches_upstream_through_masquerade()
    {
        using var host = new Netns();
        using var upstream = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(host);
        var xml = Path.Combine(d.Root, "lab.xml");
        await File.WriteAllTextAsync(xml, """
            <network>
              <name>lab</name>
              <forward mode='nat'/>
              <bridge name='labbr0'/>
              <dns><host ip='10.78.0.50'><hostname>db</hostname></host></dns>
              <ip address='10.78.0.1' prefix='24'>
                <dhcp><range start='10.78.0.100' end='10.78.0.150'/><host mac='52:54:00:78:00:05' name='g1' ip='10.78.0.20'/></dhcp>
              </ip>
            </network>
            """);
        (await d.Vireo("net-create", xml)).Ok();
        // Upstream: the host namespace's way out, as a physical uplink would be.
        Netns.Uplink(host, upstream, "up0", "up1", "10.98.0");
        await GuestNet.DefineAndBootAsync(d, "g1", "<interface type='network'><mac address='52:54:00:78:00:05'/><source network='lab'/><model type='virtio'/></interface>");
        var got = await GuestNet.RunAsync(d, "g1",
            "printf '#!/bin/sh\\n[ \"$1\" = bound ] && ip addr add $ip/$mask dev $interface && ip route add default via $router\\nexit 0\\n' > /tmp/u.sh; " +
            "chmod +x /tmp/u.sh; ip link set eth0 up; udhcpc -i eth0 -n -q -t 10 -T 1 -s /tmp/u.sh; ip -o -4 addr show eth0; nslookup -type=a db 10.78.0.1", 120);
        Assert.Contains("inet 10.78.0.20/24", got);
        Assert.Contains("Address: 10.78.0.50", got);
        Assert.Matches(@"52:54:00:78:00:05\s+ipv4\s+10\.78\.0\.20/24\s+g1", (await d.Vireo("net-dhcp-leases", "lab")).Ok().Stdout);
        Assert.Matches(@"vnet\d+\s+52:54:00:78:00:05\s+ipv4\s+10\.78\.0\.20/24", (await d.Vireo("domifaddr", "g1")).Ok().Stdout);
        // Masquerade: upstream sees the host's uplink address, not the guest's.
        var listener = Task.Run(() => upstream.Exec("python3", "-c",
            "import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('10.98.0.2',7777));s.listen();s.settimeout(60);c,a=s.accept();print(a[0])"));
        // The client connects once the listener listens (python may take a while to start on a busy machine).
        Assert.True(await Poll.UntilAsync(() => upstream.Exec("ss", "-Hltn").Contains(":7777"), TimeSpan.FromSeconds(30), everyMs: 50), "the upstream listener never listened");
        await GuestNet.RunAsync(d, "g1", "echo hi | nc -w 3 10.98.0.2 7777");
        Assert.Equal("10.98.0.1", (await listener).Trim());
        (await d.Vireo("destroy", "g1")).Ok();
    }
}
