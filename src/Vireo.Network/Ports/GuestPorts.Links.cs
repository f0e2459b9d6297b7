using System.Globalization;
using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Host.Processes;
using Vireo.Network.Bandwidth;

namespace Vireo.Network.Ports;

public sealed partial class GuestPorts
{
    /// <summary>
    /// An SR-IOV VF given to a guest as a NIC gets the guest's MAC (and VLAN tag) through its PF, as libvirt does.
    /// A failure names the MAC, the VF and the PF.
    /// </summary>
    public async Task SetVfMacAsync(string pf, int vfIndex, string mac, string? vlan, CancellationToken ct = default)
    {
        Interface(pf, "physical function");
        if (!Core.Network.NetworkValidator.IsValidMac(mac)) throw Refuse($"MAC address '{Text.Printable(mac)}' is not valid");
        if (vlan is not null && !(int.TryParse(vlan, NumberStyles.None, CultureInfo.InvariantCulture, out var tag) && tag <= 4095))
            throw Refuse($"VLAN tag '{Text.Printable(vlan)}' is not a number from 0 to 4095");
        List<string> cmd = ["ip", "link", "set", "dev", pf, "vf", vfIndex.ToString(CultureInfo.InvariantCulture), "mac", mac];
        if (vlan is not null) cmd.AddRange(["vlan", vlan]);
        try { await runner.RunAsync(cmd, ct: ct); }
        catch (ProcessFailedException ex)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"cannot set MAC {mac} on virtual function {vfIndex} of {pf}: {ex.Message}");
        }
    }

    /// <summary>
    /// A NIC's &lt;bandwidth&gt; as tc rules on its host side. A tap's egress is what the guest receives; a
    /// macvtap link's egress is what the guest sends, so for direct NICs the directions swap (as in libvirt).
    /// </summary>
    public async Task ApplyBandwidthAsync(string link, bool macvtap, TcBandwidth.Limit? inbound, TcBandwidth.Limit? outbound, CancellationToken ct = default)
    {
        var commands = macvtap ? TcBandwidth.Commands(link, outbound, inbound) : TcBandwidth.Commands(link, inbound, outbound);
        foreach (var cmd in commands)
        {
            try { await runner.RunAsync(cmd, ct: ct); }
            catch (ProcessFailedException ex)
            {
                throw new VireoException(ErrorCode.OperationFailed,
                    $"cannot apply <bandwidth> to interface {link}: {ex.Message}" +
                    (cmd.Contains("police") ? " (limiting traffic with a policer needs the kernel's police action, act_police)" : ""));
            }
        }
    }
}
