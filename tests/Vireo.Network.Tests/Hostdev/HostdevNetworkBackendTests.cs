using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Network.Hostdev;
using Vireo.Network.Sriov;

namespace Vireo.Network.Tests.Hostdev;

/// <summary>A pool of SR-IOV virtual functions: a PF without SR-IOV refuses the start; guests learn the functions and who manages them.</summary>
public sealed class HostdevNetworkBackendTests : IDisposable
{
    private readonly string _sys = Directory.CreateTempSubdirectory("vireo-sysfs-").FullName;

    public void Dispose() => Directory.Delete(_sys, true);

    [Fact]
    public async Task A_pf_without_sriov_refuses_the_start()
    {
        Directory.CreateDirectory(Path.Combine(_sys, "class/net/eth3/device"));
        var n = NetworkDefinition.Parse("<network><name>vfs</name><forward mode='hostdev'><pf dev='eth3'/></forward></network>");
        var ex = await Assert.ThrowsAsync<VireoException>(() => new HostdevNetworkBackend(new VfPool(_sys)).StartAsync(n, [], default));
        Assert.Contains("interface 'eth3' does not support SR-IOV", ex.Message);
    }

    [Fact]
    public async Task Listed_functions_are_handed_out_managed_as_the_network_says()
    {
        var n = NetworkDefinition.Parse("<network><name>vfs</name><forward mode='hostdev' managed='yes'>" +
            "<address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/></forward></network>");
        var backend = new HostdevNetworkBackend(new VfPool(_sys));
        await backend.StartAsync(n, [], default);
        var plug = backend.PlugOf(n);
        Assert.Equal(["0000:03:10.2"], plug.HostdevVfs);
        Assert.True(plug.HostdevManaged);
    }
}
