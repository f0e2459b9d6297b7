using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Network.Sriov;

namespace Vireo.Network.Tests;

/// <summary>SR-IOV virtual functions found through a fake sysfs tree; clear errors without SR-IOV.</summary>
public sealed class VfPoolTests : IDisposable
{
    private readonly string _sys = Directory.CreateTempSubdirectory("vireo-sysfs-").FullName;

    public void Dispose() => Directory.Delete(_sys, true);

    private static NetworkDefinition Net(string forward) =>
        NetworkDefinition.Parse($"<network><name>vfs</name><forward mode='hostdev' managed='yes'>{forward}</forward></network>");

    private void Pf(string name, int vfs, bool sriov = true)
    {
        var dev = Path.Combine(_sys, "devices/pci0000:00/0000:00:03.0");
        Directory.CreateDirectory(dev);
        Directory.CreateDirectory(Path.Combine(_sys, "class/net", name));
        Directory.CreateSymbolicLink(Path.Combine(_sys, "class/net", name, "device"), dev);
        if (sriov) File.WriteAllText(Path.Combine(dev, "sriov_totalvfs"), "8\n");
        for (var i = 0; i < vfs; i++)
        {
            var vf = Path.Combine(_sys, $"devices/pci0000:00/0000:03:00.{i + 1}");
            Directory.CreateDirectory(vf);
            Directory.CreateSymbolicLink(Path.Combine(dev, $"virtfn{i}"), vf);
        }
    }

    [Fact]
    public void Vfs_of_a_physical_function_are_found_in_sysfs_in_order()
    {
        Pf("eth2", 3);
        Assert.Equal(["0000:03:00.1", "0000:03:00.2", "0000:03:00.3"], new VfPool(_sys).Discover(Net("<pf dev='eth2'/>")));
    }

    [Fact]
    public void An_explicit_address_list_is_used_as_given()
    {
        var n = NetworkDefinition.Parse(File.ReadAllText(Path.Combine(Golden.Dir(""), "..", "..", "..", "shared", "compat", "libvirt-xml", "network", "hostdev.xml")));
        Assert.Equal(["0000:03:00.1", "0000:03:00.2", "0000:03:00.3", "0000:03:00.4"], new VfPool(_sys).Discover(n));
    }

    [Theory]
    [InlineData(false, 0, "does not support SR-IOV")]
    [InlineData(true, 0, "has no virtual functions enabled")]
    public void Without_sriov_the_error_says_what_is_missing(bool sriov, int vfs, string message)
    {
        Pf("eth3", vfs, sriov);
        var e = Assert.Throws<VireoException>(() => new VfPool(_sys).Discover(Net("<pf dev='eth3'/>")));
        Assert.Contains(message, e.Message);
        Assert.Contains("eth3", e.Message);
    }

    [Fact]
    public void A_missing_physical_function_is_named()
    {
        var e = Assert.Throws<VireoException>(() => new VfPool(_sys).Discover(Net("<pf dev='nope0'/>")));
        Assert.Contains("physical function 'nope0' does not exist", e.Message);
    }
}
