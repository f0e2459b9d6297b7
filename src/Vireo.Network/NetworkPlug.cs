namespace Vireo.Network;

/// <summary>
/// What a guest NIC of type network joins, from the running network: a bridge (Vireo's own, a host
/// bridge, or an Open vSwitch bridge when <paramref name="VirtualPort"/> is openvswitch), macvtap links
/// in <paramref name="MacvtapMode"/> on one of <paramref name="MacvtapDevs"/>, or one of the SR-IOV VFs
/// (PCI addresses) in <paramref name="HostdevVfs"/>.
/// </summary>
public sealed record NetworkPlug(string Network, string? Bridge, string? VirtualPort, string? MacvtapMode,
    IReadOnlyList<string> MacvtapDevs, IReadOnlyList<string> HostdevVfs, bool HostdevManaged = false)
{
    public bool Hostdev => HostdevVfs.Count > 0;
}
