using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>The real qemu-ga inside the test guest, reached through its virtio-serial channel.</summary>
[Collection("vm")]
public class GuestAgentTests
{
    [SkippableFact]
    public async Task Domifaddr_from_the_agent_and_qemu_agent_command()
    {
        Skip.If(!File.Exists("/usr/sbin/qemu-ga"), "qemu-ga is not installed (test.sh installs qemu-guest-agent)");
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var net = Path.Combine(d.Root, "ag.xml");
        await File.WriteAllTextAsync(net, "<network><name>ag</name><bridge name='agbr0'/><ip address='10.62.0.1' prefix='24'/></network>");
        (await d.Vireo("net-create", net)).Ok();
        await GuestNet.DefineAndBootAsync(d, "ga", "<interface type='network'><mac address='52:54:00:62:00:05'/><source network='ag'/><model type='virtio'/></interface>" +
            "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>");
        var up = await GuestNet.RunAsync(d, "ga", "ip link set lo up; ip addr add 10.62.0.5/24 dev eth0; ip link set eth0 up; " +
            "for i in $(seq 100); do [ -s /tmp/qemu-ga.pid ] && break; sleep 0.1; done; echo AGENT-$(cat /tmp/qemu-ga.pid); " +
            // eth0's link-local IPv6 address comes after duplicate address detection; the check below wants it.
            "for i in $(seq 100); do ip -6 addr show dev eth0 | grep fe80 | grep -qv tentative && break; sleep 0.1; done");
        Assert.Matches(@"AGENT-\d+", up);

        var addrs = (await d.Vireo("domifaddr", "ga", "--source", "agent")).Ok().Stdout;
        Assert.Matches(@" lo\s+00:00:00:00:00:00\s+ipv4\s+127\.0\.0\.1/8", addrs);
        Assert.Matches(@" eth0\s+52:54:00:62:00:05\s+ipv4\s+10\.62\.0\.5/24\n -\s+-\s+ipv6\s+fe80::5054:ff:fe62:5/64", addrs);
        // Without --full, further addresses of one interface show '-' for name and MAC; with it, each row is whole.
        var full = (await d.Vireo("domifaddr", "ga", "--source", "agent", "--full")).Ok().Stdout;
        Assert.Matches(@" eth0\s+52:54:00:62:00:05\s+ipv6\s+fe80::5054:ff:fe62:5/64", full);
        Assert.Equal(full.Split('\n').Length, addrs.Split('\n').Length);

        var info = (await d.Vireo("qemu-agent-command", "ga", "{\"execute\":\"guest-info\"}")).Ok().Stdout;
        Assert.StartsWith("{\"return\":{\"version\":\"", info);
        Assert.Contains("\"name\":\"guest-network-get-interfaces\"", info);
        Assert.Contains("\n  \"return\": {", (await d.Vireo("qemu-agent-command", "ga", "{\"execute\":\"guest-ping\"}", "--pretty")).Ok().Stdout);
        (await d.Vireo("qemu-agent-command", "ga", "{\"execute\":\"guest-no-such-thing\"}")).Fails("unable to execute QEMU agent command 'guest-no-such-thing'");
        (await d.Vireo("qemu-agent-command", "ga", "not json")).Fails("agent command is not JSON");
        (await d.Vireo("qemu-agent-command", "ga", "{}", "--async", "--block")).Fails("mutually exclusive");

        // An agent that stopped answering is reported as such (after the default 5 s), not waited on forever.
        await GuestNet.RunAsync(d, "ga", "kill $(cat /tmp/qemu-ga.pid)");
        (await d.Vireo("domifaddr", "ga", "--source", "agent")).Fails("Guest agent is not responding");
        (await d.Vireo("destroy", "ga")).Ok();
    }
}
