using Vireo.Network.Bandwidth;

namespace Vireo.Network.Ports;

public sealed partial class GuestPorts
{
    /// <summary>An SR-IOV VF given to a guest as a NIC gets the guest's MAC (and VLAN tag) through its PF, as libvirt does.</summary>
    public Task SetVfMacAsync(string pf, int vfIndex, string mac, string? vlan, CancellationToken ct = default)
    {
        List<string> cmd = ["ip", "link", "set", "dev", pf, "vf", vfIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), "mac", mac];
        if (vlan is not null) cmd.AddRange(["vlan", vlan]);
        return runner.RunAsync(cmd, ct: ct);
    }

    /// <summary>
    /// A NIC's &lt;bandwidth&gt; as tc rules on its host side. A tap's egress is what the guest receives; a
    /// macvtap link's egress is what the guest sends, so for direct NICs the directions swap (as in libvirt).
    /// </summary>
    public async Task ApplyBandwidthAsync(string link, bool macvtap, System.Xml.Linq.XElement nic, CancellationToken ct = default)
    {
        var (inbound, outbound) = TcBandwidth.Read(nic);
        var commands = macvtap ? TcBandwidth.Commands(link, outbound, inbound) : TcBandwidth.Commands(link, inbound, outbound);
        foreach (var cmd in commands)
        {
            try { await runner.RunAsync(cmd, ct: ct); }
            catch (Host.Processes.ProcessFailedException ex)
            {
                throw new Core.Errors.VireoException(Core.Errors.ErrorCode.OperationFailed,
                    $"cannot apply <bandwidth> to interface {link}: {ex.Message}" +
                    (cmd.Contains("police") ? " (limiting traffic with a policer needs the kernel's police action, act_police)" : ""));
            }
        }
    }
}
