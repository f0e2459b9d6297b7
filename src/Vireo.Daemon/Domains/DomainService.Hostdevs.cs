using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Host.Pci;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Host PCI devices (and SR-IOV VFs as NICs) given to guests by VFIO: before QEMU starts, managed
/// devices move to vfio-pci and a VF gets the NIC's MAC through its PF; when the guest is gone,
/// managed devices go back to their host drivers. A device is given to one running domain at a time.
/// </summary>
public sealed partial class DomainService
{
    /// <summary>sysfs access for VFIO (tests point it at a fake tree).</summary>
    public VfioAssignment Vfio { get; set; } = new();

    /// <summary>Readies every host PCI device of <paramref name="live"/>; undoes its own steps when one fails.</summary>
    private async Task AssignPciAsync(DomainDefinition live)
    {
        var devices = PciHostdevs.Of(live);
        if (devices.Count == 0) return;
        var moved = new List<string>();
        try
        {
            foreach (var h in devices)
            {
                var addr = h.HostAddress;
                if (resources.TryClaim(Resources.HostResource.PciDevice, addr, live.Name, addr, exclusive: true) is { } busy)
                    throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: host PCI device {addr} is in use by domain '{busy.Owner}'");
                if (Vfio.Unusable(addr) is { } why) throw new VireoException(ErrorCode.OperationFailed, why);
                if (h.IsInterface) await SetVfMacAsync(h);
                if (h.Managed)
                {
                    if (await Vfio.DetachAsync(addr)) moved.Add(addr);
                }
                else if (Vfio.DriverOf(addr) is var drv && drv != "vfio-pci")
                    throw new VireoException(ErrorCode.OperationInvalid,
                        $"host PCI device {addr} is {(drv is null ? "bound to no driver" : $"bound to driver '{drv}'")}, not vfio-pci: set managed='yes' or bind it to vfio-pci first");
                else Vfio.CheckViable(addr);
                DomainLog(live.Name, $"host PCI device {addr} ready for VFIO assignment");
            }
        }
        catch
        {
            foreach (var addr in moved) await Vfio.ReattachAsync(addr);
            throw;
        }
    }

    /// <summary>An &lt;interface type='hostdev'&gt; is an SR-IOV VF: its MAC (and VLAN tag) are set through the PF, as libvirt does.</summary>
    private async Task SetVfMacAsync(PciHostdev h)
    {
        var (pf, index) = Vfio.VfIdentity(h.HostAddress) ?? throw new VireoException(ErrorCode.OperationFailed,
            $"host PCI device {h.HostAddress} is not an SR-IOV virtual function: <interface type='hostdev'> needs one (use <hostdev> for other devices)");
        var mac = h.Element.Element("mac")?.Attribute("address")?.Value ?? throw new InvalidOperationException("NIC without MAC");
        List<string> cmd = ["ip", "link", "set", "dev", pf, "vf", index.ToString(), "mac", mac];
        if (h.Element.Element("vlan")?.Element("tag")?.Attribute("id")?.Value is { } vlan) cmd.AddRange(["vlan", vlan]);
        try { await Ports.RunAsync(cmd); }
        catch (Host.Processes.ProcessFailedException ex)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"cannot set MAC {mac} on virtual function {index} of {pf} ({h.HostAddress}): {ex.Message}");
        }
    }

    /// <summary>Managed devices go back to their host drivers once QEMU has let go of them.</summary>
    private async Task ReleasePciAsync(DomainDefinition live)
    {
        foreach (var h in PciHostdevs.Of(live).Where(h => h.Managed))
        {
            try { await Vfio.ReattachAsync(h.HostAddress); }
            catch (Exception ex) { DomainLog(live.Name, $"giving host PCI device {h.HostAddress} back to the host failed: {ex.Message}"); }
        }
    }
}
