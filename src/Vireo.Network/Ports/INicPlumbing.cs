using Microsoft.Win32.SafeHandles;
using Vireo.Core.Domain;

namespace Vireo.Network.Ports;

/// <summary>
/// Everything that touches the host for a guest NIC. The daemon decides names and claims them; this makes
/// them real and hands back the descriptors QEMU gets over QMP.
/// </summary>
public interface INicPlumbing
{
    /// <summary>
    /// The host side of <paramref name="nic"/>, from its live XML (target dev, source, virtualport, bandwidth,
    /// queues): a tap per queue on a Linux or Open vSwitch bridge, or a macvtap link with its queues opened,
    /// and its bandwidth as tc rules. A step that fails undoes the ones before it.
    /// </summary>
    /// <param name="vm">The guest's uuid, which an Open vSwitch port carries.</param>
    Task<NicHostSide> PlugAsync(InterfaceDef nic, Guid vm, CancellationToken ct = default);

    /// <summary>
    /// Removes what outlives QEMU's descriptors once the NIC is gone: a macvtap link (and the MAC a passthrough
    /// device had before), an Open vSwitch port. A tap goes by itself with its last descriptor.
    /// </summary>
    Task UnplugAsync(InterfaceDef nic);

    /// <summary>An SR-IOV VF handed to a guest as a NIC gets the NIC's MAC, and VLAN tag, through its PF.</summary>
    Task SetVfMacAsync(string pf, int vfIndex, string mac, string? vlan, CancellationToken ct = default);
}

/// <summary>A plugged NIC's descriptors (one per queue), to hand to QEMU, and where it was plugged, for the log.</summary>
public sealed class NicHostSide(IReadOnlyList<SafeFileHandle> descriptors, string where) : IDisposable
{
    public IReadOnlyList<SafeFileHandle> Descriptors => descriptors;

    /// <summary>"bridge virbr0", "Open vSwitch bridge ovsbr0", "macvtap on eth0 in vepa mode".</summary>
    public string Where => where;

    /// <summary>Closes vireod's copies: once QEMU holds its own, a tap lives as long as QEMU does.</summary>
    public void Dispose()
    {
        foreach (var fd in descriptors) fd.Dispose();
    }
}
