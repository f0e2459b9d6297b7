using Vireo.Core.Errors;
using Vireo.Core.Network;

namespace Vireo.Network;

/// <summary>Checks a definition against the host and the other networks: bridge names and subnets must not clash.</summary>
public static class NetworkConflicts
{
    /// <param name="ownBridge">vireod makes the network's bridge (<see cref="NetworkCapabilities.OwnBridge"/>): its name must be
    /// free and its subnets must not overlap the host's routes.</param>
    /// <param name="ownRunningBridge">The bridge of this network while it runs: the host's view of it is its own.</param>
    public static void Check(NetworkDefinition def, bool ownBridge, IReadOnlyList<NetworkDefinition> others,
        IReadOnlySet<string> links, IReadOnlyList<(IpNetwork Subnet, string Dev)> hostRoutes, string? ownRunningBridge)
    {
        var problems = new List<string>();
        if (ownBridge && def.BridgeName is { } br)
        {
            if (others.FirstOrDefault(o => o.BridgeName == br) is { } clash)
                problems.Add($"bridge name '{br}' is already in use by network '{clash.Name}'");
            else if (links.Contains(br) && br != ownRunningBridge)
                problems.Add($"bridge name '{br}' is already in use on this host");
        }
        foreach (var ip in def.Ips)
        {
            foreach (var o in others)
                foreach (var oip in o.Ips.Where(oip => oip.Subnet.Overlaps(ip.Subnet)))
                    problems.Add($"network {ip.Subnet} overlaps network '{o.Name}' ({oip.Subnet})");
            if (ownBridge)
                foreach (var (subnet, dev) in hostRoutes.Where(r => r.Subnet.Overlaps(ip.Subnet) && r.Dev != ownRunningBridge))
                    problems.Add($"network {ip.Subnet} overlaps the host route {subnet} on {dev}");
        }
        if (problems.Count > 0)
            throw new VireoException(ErrorCode.OperationFailed,
                problems.Count == 1 ? problems[0] : $"{problems.Count} problems: {string.Join("; ", problems)}", problems);
    }
}
