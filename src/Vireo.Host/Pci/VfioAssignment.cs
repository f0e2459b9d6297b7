using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vireo.Host.Pci;

/// <summary>
/// Hands host PCI devices to guests through VFIO, through sysfs as libvirt does: a managed device is
/// taken from its host driver and bound to vfio-pci (driver_override, unbind, drivers_probe) before the
/// guest starts and given back afterwards. Works on a sysfs root so tests use a fake tree.
/// </summary>
/// <param name="logger">vireod's log: every device moved to vfio-pci and back</param>
public sealed class VfioAssignment(string sysRoot = "/sys", string devRoot = "/dev", ILogger<VfioAssignment>? logger = null)
{
    private const string Vfio = "vfio-pci";
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>How long the kernel gets to bind a device after drivers_probe.</summary>
    public TimeSpan BindTimeout { get; init; } = TimeSpan.FromSeconds(5);

    private string Device(string addr) => Path.Combine(sysRoot, "bus/pci/devices", addr);

    /// <summary>The driver a device is bound to now, or null.</summary>
    public string? DriverOf(string addr)
    {
        var link = new FileInfo(Path.Combine(Device(addr), "driver")).LinkTarget;
        return link is null ? null : Path.GetFileName(link);
    }

    public string? IommuGroupOf(string addr)
    {
        var link = new FileInfo(Path.Combine(Device(addr), "iommu_group")).LinkTarget;
        return link is null ? null : Path.GetFileName(link);
    }

    /// <summary>Why <paramref name="addr"/> cannot be assigned on this host (missing device, no IOMMU, no vfio-pci), or null.</summary>
    public string? Unusable(string addr)
    {
        if (!Directory.Exists(Device(addr))) return $"host PCI device {addr} does not exist";
        if (!Directory.Exists(Path.Combine(sysRoot, "kernel/iommu_groups")) || !Directory.EnumerateFileSystemEntries(Path.Combine(sysRoot, "kernel/iommu_groups")).Any())
            return $"cannot assign host PCI device {addr}: the host has no IOMMU groups (enable the IOMMU: intel_iommu=on or amd_iommu=on on the kernel command line, and VT-d/AMD-Vi in the firmware)";
        if (IommuGroupOf(addr) is null) return $"cannot assign host PCI device {addr}: it is in no IOMMU group";
        if (!Directory.Exists(Path.Combine(sysRoot, "bus/pci/drivers", Vfio)))
            return $"cannot assign host PCI device {addr}: the vfio-pci driver is not loaded (modprobe vfio-pci)";
        return null;
    }

    /// <summary>
    /// Binds a managed device to vfio-pci (no-op if it already is) and checks its IOMMU group is viable:
    /// every device in it must be on vfio-pci or on no driver. Returns whether it was moved (to undo later).
    /// </summary>
    public async Task<bool> DetachAsync(string addr, CancellationToken ct = default)
    {
        if (Unusable(addr) is { } why) throw new PciAssignmentException(why);
        var moved = false;
        if (DriverOf(addr) != Vfio)
        {
            File.WriteAllText(Path.Combine(Device(addr), "driver_override"), Vfio + "\n");
            var current = DriverOf(addr);
            if (current is not null)
                File.WriteAllText(Path.Combine(sysRoot, "bus/pci/drivers", current, "unbind"), addr + "\n");
            File.WriteAllText(Path.Combine(sysRoot, "bus/pci/drivers_probe"), addr + "\n");
            moved = true;
            var deadline = DateTime.UtcNow + BindTimeout;
            while (DriverOf(addr) != Vfio)
            {
                if (DateTime.UtcNow > deadline)
                {
                    await ReattachAsync(addr);
                    Log.BindTimedOut(_logger, addr, BindTimeout.TotalSeconds);
                    throw new PciAssignmentException($"host PCI device {addr} did not bind to vfio-pci within {BindTimeout.TotalSeconds:0} s");
                }
                await Task.Delay(20, ct);
            }
            Log.MovedToVfio(_logger, addr, current ?? "no driver");
        }
        try { CheckViable(addr); }
        catch (Exception e) when (moved)
        {
            await ReattachAsync(addr);
            Log.NotAssignable(_logger, addr, e.Message);
            throw;
        }
        return moved;
    }

    /// <summary>A device may only be assigned when nothing else in its IOMMU group is used by the host.</summary>
    public void CheckViable(string addr)
    {
        var group = IommuGroupOf(addr)!;
        var members = Path.Combine(sysRoot, "kernel/iommu_groups", group, "devices");
        if (!Directory.Exists(members)) return;
        foreach (var other in Directory.EnumerateFileSystemEntries(members).Select(Path.GetFileName).OfType<string>().Order())
            if (other != addr && DriverOf(other) is { } drv && drv is not (Vfio or "pcieport" or "pci-stub"))
                throw new PciAssignmentException(
                    $"cannot assign host PCI device {addr}: IOMMU group {group} is not viable, {other} in it is used by driver '{drv}' (assign or detach that device too)");
        if (!File.Exists(Path.Combine(devRoot, "vfio", group)))
            throw new PciAssignmentException($"cannot assign host PCI device {addr}: {Path.Combine(devRoot, "vfio", group)} does not exist");
    }

    /// <summary>Gives a device back to its host driver: off vfio-pci, override cleared, probed again.</summary>
    public Task ReattachAsync(string addr)
    {
        if (DriverOf(addr) == Vfio) File.WriteAllText(Path.Combine(sysRoot, "bus/pci/drivers", Vfio, "unbind"), addr + "\n");
        File.WriteAllText(Path.Combine(Device(addr), "driver_override"), "\n");
        File.WriteAllText(Path.Combine(sysRoot, "bus/pci/drivers_probe"), addr + "\n");
        Log.GivenBack(_logger, addr, DriverOf(addr) ?? "no driver bound yet");
        return Task.CompletedTask;
    }

    /// <summary>An SR-IOV VF's physical function network interface and VF index (for `ip link set PF vf N mac ...`).</summary>
    public (string PfNetdev, int Index)? VfIdentity(string addr)
    {
        var physfn = Path.Combine(Device(addr), "physfn");
        if (new FileInfo(physfn).LinkTarget is null && !Directory.Exists(physfn)) return null;
        var net = Path.Combine(physfn, "net");
        var pf = Directory.Exists(net) ? Directory.GetDirectories(net).Select(Path.GetFileName).FirstOrDefault() : null;
        if (pf is null) return null;
        foreach (var vf in Directory.EnumerateFileSystemEntries(physfn, "virtfn*"))
            if (Path.GetFileName(new FileInfo(vf).LinkTarget ?? "") == addr && int.TryParse(Path.GetFileName(vf)[6..], out var i))
                return (pf, i);
        return null;
    }
}
