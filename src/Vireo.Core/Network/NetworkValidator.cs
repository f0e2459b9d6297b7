using System.Net;
using System.Text.RegularExpressions;
using Vireo.Core.Names;

namespace Vireo.Core.Network;

/// <summary>What libvirt checks when a network is defined: name, mode, bridge name, addresses, DHCP ranges and hosts, MACs.</summary>
public static partial class NetworkValidator
{
    [GeneratedRegex("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex MacPattern();

    public static bool IsValidMac(string mac) => MacPattern().IsMatch(mac);

    public static void Validate(NetworkDefinition n, List<string> problems)
    {
        ObjectName.Check(n.Name, "network", n.Xml.Element("name"), problems);
        CheckTokens(n.Xml, problems);
        if (n.ForwardMode is { } m && !NetworkDefinition.ForwardModes.Contains(m))
            problems.Add($"unknown forward mode '{m}' (known: {string.Join(", ", NetworkDefinition.ForwardModes)})");
        if (n.MacAddress is { } mac && !IsValidMac(mac)) problems.Add($"network MAC address '{mac}' is invalid");
        if (n.ForwardMode is "bridge" && n.BridgeName is null && n.ForwardDev is null && n.VirtualPortType is null && n.ForwardInterfaces.Count == 0)
            problems.Add("forward mode 'bridge' needs <bridge name='...'/> of an existing host bridge");
        var v4Dhcp = 0;
        foreach (var ip in n.Ips)
        {
            var subnet = ip.Subnet;
            if (ip.Ranges.Count > 0 || ip.Hosts.Count > 0)
            {
                if (!ip.IsIPv6 && ++v4Dhcp > 1) problems.Add("only one IPv4 <ip> may have <dhcp>");
            }
            foreach (var r in ip.Ranges)
            {
                if (!subnet.Contains(r.Start) || !subnet.Contains(r.End))
                    problems.Add($"DHCP range {r.Start} - {r.End} is not entirely within network {subnet}");
                else if (IpNetwork.ToInteger(r.Start) > IpNetwork.ToInteger(r.End))
                    problems.Add($"DHCP range {r.Start} - {r.End} has its start after its end");
                else if (IpNetwork.ToInteger(r.Start) <= IpNetwork.ToInteger(ip.Address) && IpNetwork.ToInteger(ip.Address) <= IpNetwork.ToInteger(r.End))
                    problems.Add($"DHCP range {r.Start} - {r.End} contains the network's own address {ip.Address}");
            }
            foreach (var h in ip.Hosts)
            {
                if (h.Mac is { } hm && !IsValidMac(hm)) problems.Add($"DHCP host MAC address '{hm}' is invalid");
                if (h.Ip is { } hip && !subnet.Contains(hip)) problems.Add($"DHCP host address {hip} is not within network {subnet}");
                if (!ip.IsIPv6 && h.Mac is null && h.Name is null) problems.Add("a DHCP <host> needs a 'mac' or a 'name'");
            }
        }
        var macs = n.Ips.SelectMany(i => i.Hosts).Where(h => h.Mac is not null).GroupBy(h => h.Mac!.ToLowerInvariant()).Where(g => g.Count() > 1);
        foreach (var g in macs) problems.Add($"DHCP host MAC address {g.Key} is listed more than once");
    }
}
