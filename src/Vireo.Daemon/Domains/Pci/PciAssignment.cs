using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Daemon.Resources;
using Vireo.Host.Pci;
using Vireo.Network.Ports;

namespace Vireo.Daemon.Domains.Pci;

/// <summary>
/// Host PCI devices (and SR-IOV VFs as NICs) given to guests by VFIO: before QEMU starts, each is claimed
/// in the host's reservation table, managed devices move to vfio-pci and a VF gets the NIC's MAC through
/// its PF; when the guest is gone, managed devices go back to their host drivers.
/// </summary>
public sealed class PciAssignment(VfioAssignment vfio, INicPlumbing plumbing, HostResources resources, DomainLogWriter log)
{
    /// <summary>Readies every host PCI device of <paramref name="live"/>; each step's undo goes to <paramref name="undo"/>.</summary>
    public async Task AssignAsync(DomainDefinition live, Rollback undo)
    {
        foreach (var h in PciHostdevs.Of(live))
        {
            try { await AssignOneAsync(live, h, undo); }
            catch (PciAssignmentException e) { throw new VireoException(ErrorCode.OperationFailed, e.Message, inner: e); }
        }
    }

    private async Task AssignOneAsync(DomainDefinition live, PciHostdev h, Rollback undo)
    {
        var addr = h.HostAddress;
        if (resources.TryClaim(HostResource.PciDevice, addr, live.Name, addr, exclusive: true) is { } busy)
            throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: host PCI device {addr} is in use by domain '{busy.Owner}'");
        undo.Add($"claim on {addr}", () => resources.ReleaseDevice(live.Name, addr));
        if (vfio.Unusable(addr) is { } why) throw new VireoException(ErrorCode.OperationFailed, why);
        if (h.IsInterface) await SetVfMacAsync(h);
        if (h.Managed)
        {
            if (await vfio.DetachAsync(addr)) undo.Add($"{addr} back to its host driver", () => vfio.ReattachAsync(addr));
        }
        else if (vfio.DriverOf(addr) is var drv && drv != "vfio-pci")
            throw new VireoException(ErrorCode.OperationInvalid,
                $"host PCI device {addr} is {(drv is null ? "bound to no driver" : $"bound to driver '{drv}'")}, not vfio-pci: set managed='yes' or bind it to vfio-pci first");
        else vfio.CheckViable(addr);
        log.Write(live.Name, $"host PCI device {addr} ready for VFIO assignment");
    }

    /// <summary>Managed devices go back to their host drivers once QEMU has let go of them.</summary>
    public async Task ReleaseAsync(DomainDefinition live)
    {
        foreach (var h in PciHostdevs.Of(live).Where(h => h.Managed))
        {
            try { await vfio.ReattachAsync(h.HostAddress); }
            catch (Exception ex) { log.Write(live.Name, $"giving host PCI device {h.HostAddress} back to the host failed: {ex.Message}"); }
        }
    }

    /// <summary>An &lt;interface type='hostdev'&gt; is an SR-IOV VF: its MAC (and VLAN tag) are set through the PF, as libvirt does.</summary>
    private async Task SetVfMacAsync(PciHostdev h)
    {
        var (pf, index) = vfio.VfIdentity(h.HostAddress) ?? throw new VireoException(ErrorCode.OperationFailed,
            $"host PCI device {h.HostAddress} is not an SR-IOV virtual function: <interface type='hostdev'> needs one (use <hostdev> for other devices)");
        var mac = h.Element.Element("mac")?.Attribute("address")?.Value ?? throw new InvalidOperationException("NIC without MAC");
        var vlan = h.Element.Element("vlan")?.Element("tag")?.Attribute("id")?.Value;
        await plumbing.SetVfMacAsync(pf, index, mac, vlan);
    }
}
