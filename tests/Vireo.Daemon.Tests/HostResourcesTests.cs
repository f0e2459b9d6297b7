using Vireo.Daemon.Resources;

namespace Vireo.Daemon.Tests;

public class HostResourcesTests
{
    private static IEnumerable<string> Taps() => Enumerable.Range(0, 100).Select(i => $"vnet{i}");

    [Fact]
    public void Parallel_choosers_never_get_the_same_name()
    {
        var table = new HostResources();
        var names = new string?[64];
        Parallel.For(0, names.Length, i => names[i] = table.ClaimFirstFree(HostResource.LinkName, Taps(), $"guest{i}", "nic", _ => false));
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.All(names, n => Assert.NotNull(n));
    }

    [Fact]
    public void Names_in_use_on_the_host_are_skipped_and_released_names_come_back()
    {
        var table = new HostResources();
        Assert.Equal("vnet1", table.ClaimFirstFree(HostResource.LinkName, Taps(), "a", "nic", n => n == "vnet0"));
        Assert.Equal("vnet2", table.ClaimFirstFree(HostResource.LinkName, Taps(), "b", "nic", n => n == "vnet0"));
        table.ReleaseAll("a");
        Assert.Equal("vnet1", table.ClaimFirstFree(HostResource.LinkName, Taps(), "c", "nic", n => n == "vnet0"));
        Assert.Null(table.ClaimFirstFree(HostResource.LinkName, ["vnet2"], "d", "nic", _ => false));
    }

    [Fact]
    public void Exclusive_and_shared_claims_follow_macvtaps_rules()
    {
        var table = new HostResources();
        Assert.Null(table.TryClaim(HostResource.MacvtapLower, "eth0", "a", "dev", exclusive: false, "vepa"));
        Assert.Null(table.TryClaim(HostResource.MacvtapLower, "eth0", "b", "dev", exclusive: false, "bridge"));
        Assert.Equal("a", table.TryClaim(HostResource.MacvtapLower, "eth0", "c", "dev", exclusive: true, "passthrough")!.Owner);
        Assert.Null(table.TryClaim(HostResource.MacvtapLower, "eth1", "c", "dev", exclusive: true, "passthrough"));
        Assert.Equal("c", table.TryClaim(HostResource.MacvtapLower, "eth1", "d", "dev", exclusive: false, "vepa")!.Owner);
        Assert.Equal(2, table.HoldersOf(HostResource.MacvtapLower, "eth0").Count);
        table.ReleaseDevice("a", "dev");
        Assert.Equal(["b"], table.HoldersOf(HostResource.MacvtapLower, "eth0").Select(c => c.Owner));
        // Two NICs of one guest on one interface are two users of it.
        Assert.Null(table.TryClaim(HostResource.MacvtapLower, "eth0", "b", "second", exclusive: false, "vepa"));
        Assert.Equal(2, table.HoldersOf(HostResource.MacvtapLower, "eth0").Count);
    }

    [Fact]
    public void An_owner_can_claim_again_what_it_holds()
    {
        var table = new HostResources();
        Assert.Null(table.TryClaim(HostResource.PciDevice, "0000:03:00.1", "a", "dev", exclusive: true));
        Assert.Null(table.TryClaim(HostResource.PciDevice, "0000:03:00.1", "a", "dev", exclusive: true));
        Assert.Equal("a", table.TryClaim(HostResource.PciDevice, "0000:03:00.1", "b", "dev", exclusive: true)!.Owner);
        Assert.Equal([(HostResource.PciDevice, "0000:03:00.1")], table.HeldBy("a"));
    }
}
