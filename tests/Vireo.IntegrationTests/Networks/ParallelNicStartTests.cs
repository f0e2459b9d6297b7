using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>
/// Guests started together on one network: each gets its own tap from the reservation table (before it,
/// three of four such starts failed with "cannot create tap 'vnet0' (TUNSETIFF): Device or resource busy").
/// </summary>
[Collection("vm")]
public class ParallelNicStartTests
{
    private const int Guests = 8;

    [SkippableFact]
    public async Task Eight_guests_with_nics_start_at_once_get_distinct_taps_boot_and_reach_each_other()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var net = Path.Combine(d.Root, "lan.xml");
        await File.WriteAllTextAsync(net, "<network><name>lan</name><bridge name='lanbr0'/><ip address='10.60.0.1' prefix='24'/></network>");
        (await d.Vireo("net-define", net)).Ok();
        (await d.Vireo("net-start", "lan")).Ok();
        var names = Enumerable.Range(1, Guests).Select(i => $"p{i}").ToList();
        foreach (var (n, i) in names.Select((n, i) => (n, i + 1)))
        {
            var file = Path.Combine(d.Root, n + ".xml");
            await File.WriteAllTextAsync(file, Guest.Xml(n, $"<interface type='network'><mac address='52:54:00:60:00:{i:x2}'/><source network='lan'/><model type='virtio'/></interface>"));
            (await d.Vireo("define", file)).Ok();
        }
        var starts = await Task.WhenAll(names.Select(n => d.Vireo("start", n, "--console", "--until", Guest.Ready, "--timeout", "300")));
        Assert.All(starts, r => r.Ok());
        var taps = names.Select(n => d.Vireo("domiflist", n).Result.Ok().Stdout.Split('\n')[2].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]).ToList();
        Assert.Equal(Guests, taps.Distinct().Count());
        Assert.All(taps, t => Assert.Matches(@"^vnet\d+$", t));
        // Every guest configures its address, then the last one pings all the others.
        for (var i = 1; i <= Guests; i++)
            await GuestNet.RunAsync(d, $"p{i}", $"ip addr add 10.60.0.{10 + i}/24 dev eth0; ip link set eth0 up");
        var pings = string.Join("; ", Enumerable.Range(1, Guests - 1).Select(i => $"ping -c 1 -W 5 10.60.0.{10 + i} >/dev/null && echo REACHED-$((10+{i}))"));
        var seen = await GuestNet.RunAsync(d, $"p{Guests}", pings, timeoutSeconds: 180);
        for (var i = 1; i < Guests; i++) Assert.Contains($"REACHED-{10 + i}", seen);
        await Task.WhenAll(names.Select(n => d.Vireo("destroy", n)));
        Assert.DoesNotContain("vnet", ns.Exec("ip", "-o", "link", "show"));
    }
}
