using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Vireo.Client;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>
/// Several devices hot-plugged into one running guest at the same moment, then unplugged at the same moment: each
/// request has to see the device the one before it added (a free root port, a free NIC alias and tap name).
/// The NIC lives on a network inside the test's own namespace.
/// </summary>
[Collection("vm")]
public class ParallelHotplugTests
{
    private const string Mac = "52:54:00:54:00:01";
    private static readonly (string Target, int MiB)[] Disks = [("vdb", 8), ("vdc", 12), ("vdd", 16)];

    [SkippableFact]
    public async Task Disks_and_a_nic_plugged_into_one_q35_guest_at_once_each_get_a_port_of_their_own_and_all_go_again_at_once()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var net = Path.Combine(d.Root, "ph.xml");
        await File.WriteAllTextAsync(net, "<network><name>ph</name><bridge name='phbr0'/><ip address='10.54.0.1' prefix='24'/></network>");
        (await d.Vireo("net-create", net)).Ok();
        var paths = new Dictionary<string, string>();
        foreach (var (target, mib) in Disks)
        {
            (await d.Vireo("vol-create-as", "default", target + ".raw", mib + "M")).Ok();
            paths[target] = (await d.Vireo("vol-path", "--pool", "default", target + ".raw")).Ok().Stdout.Trim();
        }
        // q35 with ACPI: four spare root ports for hot-plugging, exactly one for each device below.
        var file = Path.Combine(d.Root, "hp.xml");
        await File.WriteAllTextAsync(file, Guest.Xml("hp").Replace("machine='pc'", "machine='q35'"));
        (await d.Vireo("define", file)).Ok();
        (await d.Vireo("start", "hp", "--console", "--until", Guest.Ready, "--timeout", "120")).Ok();
        var liveBefore = (await d.Vireo("dumpxml", "hp")).Ok().Stdout;
        var configBefore = (await d.Vireo("dumpxml", "hp", "--inactive")).Ok().Stdout;

        // All four requests are in flight together (the API, so none waits for a CLI process to start).
        using (var client = d.Client())
        {
            var devices = Disks.Select(x => $"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{paths[x.Target]}'/><target dev='{x.Target}' bus='virtio'/></disk>")
                .Append($"<interface type='network'><mac address='{Mac}'/><source network='ph'/><model type='virtio'/></interface>");
            var failures = await Task.WhenAll(devices.Select(xml => FailureOf(() => client.AttachDeviceAsync("hp", xml, live: true, config: false))));
            Assert.All(failures, f => Assert.Null(f));
        }

        // The live XML has each device once, the NIC with the first alias and a tap of its own.
        var live = XElement.Parse((await d.Vireo("dumpxml", "hp")).Ok().Stdout).Element("devices")!;
        Assert.Equal(paths.Values.Order(), live.Elements("disk").Select(x => x.Element("source")!.Attribute("file")!.Value).Order());
        Assert.Equal(Disks.Select(x => x.Target), live.Elements("disk").Select(x => x.Element("target")!.Attribute("dev")!.Value));
        var nic = Assert.Single(live.Elements("interface"));
        Assert.Equal(Mac, nic.Element("mac")!.Attribute("address")!.Value);
        Assert.Equal("net0", nic.Element("alias")!.Attribute("name")!.Value);
        Assert.StartsWith("vnet", nic.Element("target")!.Attribute("dev")!.Value);

        // QEMU: each device behind a root port of its own, with its own id and PCI address, each disk on its own volume.
        var plugged = await PluggedAsync(d);
        Assert.Equal(["net0", "virtio-disk1", "virtio-disk2", "virtio-disk3"], plugged.Keys.Order());
        Assert.Equal(4, plugged.Values.Select(p => p.Port).Distinct().Count());
        Assert.Equal(4, plugged.Values.Select(p => p.Address).Distinct().Count());
        var blocks = JsonNode.Parse((await d.Vireo("qemu-monitor-command", "hp", "{\"execute\":\"query-block\"}")).Ok().Stdout)!["return"]!.AsArray();
        foreach (var (target, i) in Disks.Select((x, i) => (x.Target, i + 1)))
        {
            var block = Assert.Single(blocks, b => (string?)b!["qdev"] == $"/machine/peripheral/virtio-disk{i}/virtio-backend")!;
            Assert.Equal($"vireo-{target}-format", (string?)block["inserted"]!["node-name"]);
            Assert.Equal(paths[target], (string?)block["inserted"]!["file"]);
        }

        // The guest sees all of them, each at the PCI address QEMU gave it (its vdX names follow the order it found them in).
        var seen = await GuestNet.RunAsync(d, "hp",
            "for i in $(seq 300); do [ $(ls -d /sys/block/vd* 2>/dev/null | wc -l) = 3 ] && [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done; " +
            "for b in /sys/block/vd*; do echo BLK $(cat $b/size) $(basename $(dirname $(readlink -f $b/device))); done; " +
            "echo NIC $(cat /sys/class/net/eth0/address) $(basename $(dirname $(readlink -f /sys/class/net/eth0/device)))", timeoutSeconds: 120);
        const string pci = @"0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]";
        var sectorsAt = Disks.Select((x, i) => $"{x.MiB * 2048} {plugged[$"virtio-disk{i + 1}"].Address}");
        Assert.Equal(sectorsAt.Order(), Regex.Matches(seen, $@"BLK (\d+ {pci})").Select(m => m.Groups[1].Value).Order());
        Assert.Equal($"{Mac} {plugged["net0"].Address}", Assert.Single(Regex.Matches(seen, $"NIC ([0-9a-f:]{{17}} {pci})")).Groups[1].Value);

        // All four go at once too (CLI processes this time); the definition is as it was before.
        var detaches = await Task.WhenAll(Disks.Select(x => d.Vireo("detach-disk", "hp", x.Target, "--live"))
            .Append(d.Vireo("detach-interface", "hp", "network", "--mac", Mac, "--live")));
        Assert.All(detaches.SkipLast(1), r => Assert.Equal("Disk detached successfully\n\n", r.Ok().Stdout));
        Assert.Equal("Interface detached successfully\n\n", detaches[^1].Ok().Stdout);
        Assert.Equal(liveBefore, (await d.Vireo("dumpxml", "hp")).Ok().Stdout);
        Assert.Equal(configBefore, (await d.Vireo("dumpxml", "hp", "--inactive")).Ok().Stdout);
        Assert.Empty(await PluggedAsync(d));
        Assert.DoesNotContain("vnet", ns.Exec("ip", "-o", "link", "show"));
        var gone = await GuestNet.RunAsync(d, "hp",
            "for i in $(seq 300); do [ -e /sys/block/vdb ] || [ -e /sys/block/vdc ] || [ -e /sys/block/vdd ] || [ -e /sys/class/net/eth0 ] || break; sleep 0.1; done; " +
            "echo LEFT $(ls /sys/block | grep vd) $(ls /sys/class/net | grep eth) .", timeoutSeconds: 120);
        Assert.Contains("LEFT .", gone);
        (await d.Vireo("destroy", "hp")).Ok();
    }

    private static async Task<string?> FailureOf(Func<Task> request)
    {
        try { await request(); return null; }
        catch (VireoApiException ex) { return $"{ex.Code}: {ex.Message}"; }
    }

    /// <summary>What sits behind vireod's hot-plug root ports, from query-pci: QEMU id -> (port, PCI address as the guest names it).</summary>
    private static async Task<Dictionary<string, (string Port, string Address)>> PluggedAsync(DaemonFixture d)
    {
        var buses = JsonNode.Parse((await d.Vireo("qemu-monitor-command", "hp", "{\"execute\":\"query-pci\"}")).Ok().Stdout)!["return"]!.AsArray();
        var plugged = new Dictionary<string, (string, string)>();
        foreach (var port in buses.SelectMany(b => b!["devices"]!.AsArray()).Where(p => ((string?)p!["qdev_id"])?.StartsWith("vireo-port") == true))
            foreach (var dev in port!["pci_bridge"]?["devices"]?.AsArray() ?? [])
                plugged.Add((string)dev!["qdev_id"]!, ((string)port["qdev_id"]!, $"0000:{(int)dev["bus"]!:x2}:{(int)dev["slot"]!:x2}.{(int)dev["function"]!}"));
        return plugged;
    }
}
