using System.Text.Json.Nodes;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>
/// Virtual networks for real (bridge, dnsmasq, nftables), each test inside network namespaces it
/// creates: vireod itself runs in one, clients and an "upstream" in others joined by veth pairs.
/// </summary>
[Collection("vm")]
public class NetworkTests
{
    private static void SkipIfUnavailable()
    {
        var why = Netns.Unavailable();
        Skip.If(why is not null, why);
    }

    private static int? DnsmasqPid(DaemonFixture d, string net)
    {
        var f = Path.Combine(d.Root, "var/lib/vireo/dnsmasq", net + ".pid");
        return File.Exists(f) && int.TryParse(File.ReadAllText(f).Trim(), out var p) && Directory.Exists($"/proc/{p}") && !File.ReadAllText($"/proc/{p}/stat").Contains(") Z ") ? p : null;
    }

    private static string NsInode(string pidOrSelf) => new FileInfo($"/proc/{pidOrSelf}/ns/net").LinkTarget!;

    [SkippableFact]
    public async Task The_default_network_comes_up_on_first_start_and_survives_vireod_restarts()
    {
        SkipIfUnavailable();
        using var ns = new Netns();
        await using var d = await DaemonFixture.StartInNetnsAsync(ns.Name);
        Assert.Equal(" Name      State    Autostart   Persistent\n--------------------------------------------\n default   active   yes         yes\n\n",
            (await d.Vireo("net-list")).Ok().Stdout);
        var addr = JsonNode.Parse(ns.Exec("ip", "-j", "addr", "show", "virbr0"))!.AsArray()[0]!;
        Assert.Contains(addr["addr_info"]!.AsArray(), a => (string?)a!["local"] == "192.168.122.1" && (int?)a["prefixlen"] == 24);
        var pid = DnsmasqPid(d, "default");
        Assert.NotNull(pid);
        // dnsmasq runs inside the test's namespace, not the host's.
        Assert.Equal(ns.Exec("readlink", "/proc/self/ns/net").Trim(), NsInode(pid!.Value.ToString()));
        var rules = ns.Exec("nft", "list", "table", "inet", "vireo");
        Assert.Contains("ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade", rules);
        Assert.Equal("1", ns.Exec("cat", "/proc/sys/net/ipv4/ip_forward").Trim());
        Assert.Contains("<bridge name='virbr0'", (await d.Vireo("net-dumpxml", "default")).Ok().Stdout);

        // A restart adopts the running network and its dnsmasq.
        await d.StopDaemonAsync();
        await d.StartDaemonAsync();
        Assert.Equal(pid, DnsmasqPid(d, "default"));
        // A dnsmasq that dies while vireod runs is started again.
        Vireo.Host.Interop.LibC.kill(pid.Value, Vireo.Host.Interop.LibC.SIGKILL);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((DnsmasqPid(d, "default") is null || DnsmasqPid(d, "default") == pid) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.NotNull(DnsmasqPid(d, "default"));
        Assert.NotEqual(pid, DnsmasqPid(d, "default"));
        // And one that died while vireod was down, at the next start.
        var second = DnsmasqPid(d, "default")!.Value;
        await d.StopDaemonAsync();
        Vireo.Host.Interop.LibC.kill(second, Vireo.Host.Interop.LibC.SIGKILL);
        await d.StartDaemonAsync();
        Assert.NotNull(DnsmasqPid(d, "default"));
        Assert.NotEqual(second, DnsmasqPid(d, "default"));

        // net-destroy takes down bridge, dnsmasq and rules.
        var before = DnsmasqPid(d, "default")!.Value;
        Assert.Equal("Network default destroyed\n\n", (await d.Vireo("net-destroy", "default")).Ok().Stdout);
        Assert.DoesNotContain("virbr0", ns.Exec("ip", "-o", "link", "show"));
        // With no network running, Vireo's table is gone altogether.
        Assert.DoesNotContain("vireo", ns.Exec("nft", "list", "tables"));
        for (var i = 0; i < 50 && Directory.Exists($"/proc/{before}") && !File.ReadAllText($"/proc/{before}/stat").Contains(") Z "); i++) await Task.Delay(50);
        Assert.Null(DnsmasqPid(d, "default"));
        Assert.Contains(" default   inactive   yes", (await d.Vireo("net-list", "--all")).Ok().Stdout);
        (await d.Vireo("net-start", "default")).Ok();
        Assert.Contains("virbr0", ns.Exec("ip", "-o", "link", "show"));
    }

    [SkippableFact]
    public async Task A_client_gets_its_static_lease_resolves_a_dns_host_and_reaches_upstream_through_masquerade()
    {
        SkipIfUnavailable();
        using var host = new Netns();
        using var client = new Netns();
        using var upstream = new Netns();
        await using var d = await DaemonFixture.StartInNetnsAsync(host.Name);
        (await d.Vireo("net-destroy", "default")).Ok();
        var xml = Path.Combine(d.Root, "lab.xml");
        await File.WriteAllTextAsync(xml, """
            <network>
              <name>lab</name>
              <forward mode='nat'/>
              <bridge name='labbr0'/>
              <domain name='lab.test'/>
              <dns><host ip='10.77.0.50'><hostname>db</hostname></host></dns>
              <ip address='10.77.0.1' prefix='24'>
                <dhcp>
                  <range start='10.77.0.100' end='10.77.0.150'/>
                  <host mac='52:54:00:aa:bb:01' name='client1' ip='10.77.0.20'/>
                </dhcp>
              </ip>
            </network>
            """);
        (await d.Vireo("net-define", xml)).Ok();
        (await d.Vireo("net-start", "lab")).Ok();
        // The client: a veth whose far end is a port of the network's bridge.
        Netns.Run("ip", "link", "add", "vc0", "netns", host.Name, "type", "veth", "peer", "name", "vc1", "netns", client.Name);
        host.Exec("ip", "link", "set", "vc0", "master", "labbr0", "up");
        client.Exec("ip", "link", "set", "vc1", "address", "52:54:00:aa:bb:01", "up");
        // Upstream: the host namespace's way out, as a physical uplink would be.
        Netns.Uplink(host, upstream, "up0", "up1", "10.99.0");

        var script = Path.Combine(d.Root, "udhcpc.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\n[ \"$1\" = bound ] && ip addr add \"$ip/$mask\" dev \"$interface\" && ip route add default via \"$router\"\nexit 0\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        client.Exec("busybox", "udhcpc", "-i", "vc1", "-n", "-q", "-f", "-t", "10", "-T", "1", "-s", script);
        var got = client.Exec("ip", "-o", "addr", "show", "vc1");
        Assert.True(got.Contains("10.77.0.20/24"), got + "\nhostsfile:\n" + File.ReadAllText(Path.Combine(d.Root, "var/lib/vireo/dnsmasq/lab.hostsfile"))
            + "\nconf:\n" + File.ReadAllText(Path.Combine(d.Root, "var/lib/vireo/dnsmasq/lab.conf")) + "\nleases:\n" + File.ReadAllText(Path.Combine(d.Root, "var/lib/vireo/dnsmasq/lab.leases"))
            + client.Exec("ip", "link", "show", "vc1"));
        var leases = (await d.Vireo("net-dhcp-leases", "lab")).Ok().Stdout;
        Assert.Matches(@"52:54:00:aa:bb:01\s+ipv4\s+10\.77\.0\.20/24\s+client1", leases);
        // dnsmasq answers for the DNS host entry and the static host's name in the local domain.
        // (busybox nslookup also asks for AAAA, which dnsmasq cannot forward from inside the namespace: only the A answers count.)
        Assert.Contains("Address: 10.77.0.50", client.TryExec("busybox", "nslookup", "-type=a", "db", "10.77.0.1").Output);
        Assert.Contains("Address: 10.77.0.20", client.TryExec("busybox", "nslookup", "-type=a", "client1.lab.test", "10.77.0.1").Output);
        // net-update: a static host added live (and to the definition) is served at once.
        Assert.Equal("Updated network lab persistent config and live state\n\n", (await d.Vireo("net-update", "lab", "add", "ip-dhcp-host",
            "<host mac='52:54:00:aa:bb:02' name='client2' ip='10.77.0.30'/>", "--live", "--config")).Ok().Stdout);
        (await d.Vireo("net-update", "lab", "add", "ip-dhcp-host", "<host mac='52:54:00:aa:bb:02' ip='10.77.0.31'/>", "--live")).Fails("existing dhcp host entry");
        (await d.Vireo("net-update", "lab", "delete", "ip-dhcp-host", "<host mac='52:54:00:ff:ff:ff'/>", "--live")).Fails("couldn't locate a matching dhcp host entry");
        (await d.Vireo("net-update", "lab", "add", "ip-dhcp-host", "<host mac='52:54:00:aa:bb:03' ip='10.99.9.9'/>", "--live")).Fails("not within network 10.77.0.0/24");
        Assert.Contains("client2", (await d.Vireo("net-dumpxml", "lab", "--inactive")).Ok().Stdout);
        using var client2 = new Netns();
        Netns.Run("ip", "link", "add", "vd0", "netns", host.Name, "type", "veth", "peer", "name", "vd1", "netns", client2.Name);
        host.Exec("ip", "link", "set", "vd0", "master", "labbr0", "up");
        client2.Exec("ip", "link", "set", "vd1", "address", "52:54:00:aa:bb:02", "up");
        client2.Exec("busybox", "udhcpc", "-i", "vd1", "-n", "-q", "-f", "-t", "10", "-T", "1", "-s", script);
        Assert.Contains("10.77.0.30/24", client2.Exec("ip", "-o", "addr", "show", "vd1"));
        (await d.Vireo("net-update", "lab", "add", "dns-host", "<host ip='10.77.0.60'><hostname>cache</hostname></host>")).Ok();
        Assert.Contains("Address: 10.77.0.60", client.TryExec("busybox", "nslookup", "-type=a", "cache", "10.77.0.1").Output);

        // Masquerade: upstream sees the host's uplink address, not the client's.
        var listener = Task.Run(() => upstream.Exec("python3", "-c",
            "import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('10.99.0.2',7777));s.listen();s.settimeout(60);c,a=s.accept();print(a[0])"));
        // The client connects once the listener listens (python may take a while to start on a busy machine).
        Assert.True(await Poll.UntilAsync(() => upstream.Exec("ss", "-Hltn").Contains(":7777"), TimeSpan.FromSeconds(30), everyMs: 50), "the upstream listener never listened");
        client.TryExec("sh", "-c", "echo hi | busybox nc -w 3 10.99.0.2 7777");
        Assert.Equal("10.99.0.1", (await listener).Trim());
    }

    [SkippableFact]
    public async Task Bad_networks_are_refused_and_change_nothing()
    {
        SkipIfUnavailable();
        using var ns = new Netns();
        await using var d = await DaemonFixture.StartInNetnsAsync(ns.Name);
        async Task<RunResult> Define(string name, string body)
        {
            var f = Path.Combine(d.Root, name + ".xml");
            await File.WriteAllTextAsync(f, $"<network><name>{name}</name>{body}</network>");
            return await d.Vireo("net-define", f);
        }
        (await Define("overlap", "<forward mode='nat'/><ip address='192.168.122.129' prefix='25'/>")).Fails("overlaps network 'default'");
        // A host interface with a route of its own (this kernel has no dummy links: a veth pair).
        ns.Exec("ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1");
        ns.Exec("ip", "addr", "add", "172.31.5.1/24", "dev", "uplink0");
        ns.Exec("ip", "link", "set", "uplink0", "up");
        ns.Exec("ip", "link", "set", "uplink1", "up");
        (await Define("route", "<ip address='172.31.5.1' prefix='16'/>")).Fails("overlaps the host route 172.31.5.0/24 on uplink0");
        (await Define("takenbr", "<bridge name='virbr0'/><ip address='10.5.0.1' prefix='24'/>")).Fails("bridge name 'virbr0' is already in use by network 'default'");
        (await Define("hostbr", "<bridge name='uplink1'/><ip address='10.6.0.1' prefix='24'/>")).Fails("bridge name 'uplink1' is already in use on this host");
        (await Define("range", "<ip address='10.7.0.1' prefix='24'><dhcp><range start='10.8.0.2' end='10.8.0.9'/></dhcp></ip>")).Fails("not entirely within network 10.7.0.0/24");
        (await Define("badmac", "<ip address='10.9.0.1' prefix='24'><dhcp><host mac='52:54:00:zz:00:01' ip='10.9.0.5'/></dhcp></ip>")).Fails("DHCP host MAC address '52:54:00:zz:00:01' is invalid");
        Assert.Equal("default\n\n", (await d.Vireo("net-list", "--all", "--name")).Ok().Stdout);
        Assert.Equal(["default.xml"], Directory.GetFiles(Path.Combine(d.Root, "etc/vireo/networks"), "*.xml").Select(Path.GetFileName));
        (await d.Vireo("net-info", "nosuch")).Fails("Network not found");
    }

    [SkippableFact]
    public async Task Net_edit_saves_a_valid_change_and_refuses_an_invalid_one()
    {
        SkipIfUnavailable();
        using var ns = new Netns();
        await using var d = await DaemonFixture.StartInNetnsAsync(ns.Name);
        var editor = Path.Combine(d.Root, "ed.sh");
        async Task<RunResult> Edit(string sed)
        {
            File.WriteAllText(editor, $"#!/bin/sh\nsed -i '{sed}' \"$1\"\n");
            File.SetUnixFileMode(editor, (UnixFileMode)0b111_101_101);
            return await d.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = editor }, "net-edit", "default");
        }
        Assert.Equal("Network default XML configuration edited.\n\n",
            (await Edit("s|<ip address|<dns><host ip=\"192.168.122.7\"><hostname>edited</hostname></host></dns><ip address|")).Ok().Stdout);
        var saved = (await d.Vireo("net-dumpxml", "default", "--inactive")).Ok().Stdout;
        Assert.Contains("<hostname>edited</hostname>", saved);
        // A DHCP range outside the subnet: the daemon refuses it and the definition stays as it was.
        (await Edit("s|192.168.122.254|10.1.1.1|")).Fails("not entirely within network 192.168.122.0/24");
        Assert.Equal(saved, (await d.Vireo("net-dumpxml", "default", "--inactive")).Ok().Stdout);
        Assert.Equal("Network default XML configuration not changed.\n\n", (await Edit("s|nothing-matches||")).Ok().Stdout);
    }
}
