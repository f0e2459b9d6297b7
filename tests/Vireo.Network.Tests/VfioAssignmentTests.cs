using Vireo.Host.Pci;

namespace Vireo.Network.Tests;

/// <summary>
/// VFIO assignment against a fake sysfs: a small "kernel" task answers drivers_probe the way Linux does
/// (binding the device to the driver named in driver_override), so the whole detach/reattach cycle runs.
/// This host has no IOMMU; the integration tests check its error.
/// </summary>
public sealed class VfioAssignmentTests : IDisposable
{
    private const string Vf = "0000:03:10.1";
    private const string Pf = "0000:03:00.0";
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-vfio-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private string Sys => Path.Combine(_root, "sys");
    private string Dev(string addr) => Path.Combine(Sys, "bus/pci/devices", addr);
    private string Probe => Path.Combine(Sys, "bus/pci/drivers_probe");

    public VfioAssignmentTests()
    {
        foreach (var drv in new[] { "ixgbevf", "vfio-pci", "e1000e" })
        {
            Directory.CreateDirectory(Path.Combine(Sys, "bus/pci/drivers", drv));
            File.WriteAllText(Path.Combine(Sys, "bus/pci/drivers", drv, "unbind"), "");
        }
        File.WriteAllText(Probe, "");
        Directory.CreateDirectory(Path.Combine(_root, "dev/vfio"));
        File.WriteAllText(Path.Combine(_root, "dev/vfio/7"), "");
        Device(Vf, "ixgbevf", group: "7");
        Device(Pf, "ixgbe", group: "1");
        Directory.CreateDirectory(Path.Combine(Dev(Pf), "net/enp3s0f0"));
        Directory.CreateSymbolicLink(Path.Combine(Dev(Pf), "virtfn0"), Dev(Vf));
        Directory.CreateSymbolicLink(Path.Combine(Dev(Vf), "physfn"), Dev(Pf));
    }

    private void Device(string addr, string? driver, string group)
    {
        Directory.CreateDirectory(Dev(addr));
        File.WriteAllText(Path.Combine(Dev(addr), "driver_override"), "(null)\n");
        if (driver is not null) Directory.CreateSymbolicLink(Path.Combine(Dev(addr), "driver"), Path.Combine(Sys, "bus/pci/drivers", driver));
        var members = Path.Combine(Sys, "kernel/iommu_groups", group, "devices");
        Directory.CreateDirectory(members);
        Directory.CreateSymbolicLink(Path.Combine(Dev(addr), "iommu_group"), Path.Combine(Sys, "kernel/iommu_groups", group));
        Directory.CreateSymbolicLink(Path.Combine(members, addr), Dev(addr));
    }

    /// <summary>What Linux does on drivers_probe: bind the device to its driver_override (or back to a host driver).</summary>
    private void RunKernel(string hostDriver) => _ = Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            var addr = File.ReadAllText(Probe).Trim();
            if (addr.Length > 0)
            {
                File.WriteAllText(Probe, "");
                var link = Path.Combine(Dev(addr), "driver");
                var want = File.ReadAllText(Path.Combine(Dev(addr), "driver_override")).Trim() is "vfio-pci" ? "vfio-pci" : hostDriver;
                File.Delete(link);
                Directory.CreateSymbolicLink(link, Path.Combine(Sys, "bus/pci/drivers", want));
            }
            await Task.Delay(5);
        }
    });

    public void Dispose()
    {
        _stop.Cancel();
        Thread.Sleep(20);
        Directory.Delete(_root, true);
    }

    private readonly LogRecorder<VfioAssignment> _log = new();

    private VfioAssignment Vfio => new(Sys, Path.Combine(_root, "dev"), _log) { BindTimeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task A_managed_device_moves_to_vfio_pci_and_back()
    {
        RunKernel("ixgbevf");
        Assert.True(await Vfio.DetachAsync(Vf));
        Assert.Equal("vfio-pci", Vfio.DriverOf(Vf));
        Assert.Equal("vfio-pci", File.ReadAllText(Path.Combine(Dev(Vf), "driver_override")).Trim());
        Assert.Equal(Vf, File.ReadAllText(Path.Combine(Sys, "bus/pci/drivers/ixgbevf/unbind")).Trim());
        Assert.False(await Vfio.DetachAsync(Vf)); // already there: nothing to undo later
        await Vfio.ReattachAsync(Vf);
        Assert.Equal(Vf, File.ReadAllText(Path.Combine(Sys, "bus/pci/drivers/vfio-pci/unbind")).Trim());
        Assert.Equal("", File.ReadAllText(Path.Combine(Dev(Vf), "driver_override")).Trim());
        for (var i = 0; i < 100 && Vfio.DriverOf(Vf) != "ixgbevf"; i++) await Task.Delay(10);
        Assert.Equal("ixgbevf", Vfio.DriverOf(Vf));
        Assert.Equal([$"Host PCI device {Vf}: moved from ixgbevf to vfio-pci"], _log.With(4000));
        Assert.Single(_log.With(4001));
    }

    [Fact]
    public async Task A_group_shared_with_a_host_device_is_not_viable_and_the_device_goes_back()
    {
        RunKernel("ixgbevf");
        Device("0000:03:10.3", "e1000e", group: "7");
        var ex = await Assert.ThrowsAsync<PciAssignmentException>(() => Vfio.DetachAsync(Vf));
        Assert.Contains("IOMMU group 7 is not viable, 0000:03:10.3 in it is used by driver 'e1000e'", ex.Message);
        Assert.Contains("IOMMU group 7 is not viable", Assert.Single(_log.With(4003)));
        for (var i = 0; i < 100 && Vfio.DriverOf(Vf) != "ixgbevf"; i++) await Task.Delay(10);
        Assert.Equal("ixgbevf", Vfio.DriverOf(Vf));
    }

    [Fact]
    public async Task A_device_the_kernel_will_not_bind_is_reported_and_given_back()
    {
        var ex = await Assert.ThrowsAsync<PciAssignmentException>(() => Vfio.DetachAsync(Vf)); // no kernel answers
        Assert.Contains($"host PCI device {Vf} did not bind to vfio-pci within 1 s", ex.Message);
        Assert.Equal([$"Host PCI device {Vf} did not bind to vfio-pci within 1 s; given back to its host driver"], _log.With(4002));
        Assert.Equal("", File.ReadAllText(Path.Combine(Dev(Vf), "driver_override")).Trim());
    }

    [Fact]
    public void Hosts_without_iommu_or_vfio_pci_get_the_reason_and_the_fix()
    {
        Assert.Equal("host PCI device 0000:aa:00.0 does not exist", Vfio.Unusable("0000:aa:00.0"));
        Directory.Delete(Path.Combine(Sys, "bus/pci/drivers/vfio-pci"), true);
        Assert.Contains("the vfio-pci driver is not loaded (modprobe vfio-pci)", Vfio.Unusable(Vf));
        Directory.Delete(Path.Combine(Sys, "kernel/iommu_groups"), true);
        Assert.Contains("the host has no IOMMU groups (enable the IOMMU: intel_iommu=on or amd_iommu=on", Vfio.Unusable(Vf));
    }

    [Fact]
    public void A_vf_is_found_under_its_pf_with_its_index()
    {
        Assert.Equal(("enp3s0f0", 0), Vfio.VfIdentity(Vf));
        Assert.Null(Vfio.VfIdentity(Pf));
    }
}
