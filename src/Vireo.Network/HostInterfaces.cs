using System.Text.Json.Nodes;
using Vireo.Core.Network;
using Vireo.Host.Processes;

namespace Vireo.Network;

/// <summary>The host's network interfaces and routes as <c>ip -j</c> reports them (in vireod's namespace).</summary>
public sealed class HostInterfaces(IProcessRunner runner)
{
    /// <summary>Interface names that exist now.</summary>
    public async Task<HashSet<string>> LinksAsync(CancellationToken ct)
    {
        var r = await runner.RunAsync(["ip", "-j", "link", "show"], ct: ct);
        return (JsonNode.Parse(r.Stdout) as JsonArray ?? []).Select(l => (string?)l?["ifname"]).OfType<string>().ToHashSet();
    }

    /// <summary>Routes of this host that are not through <paramref name="ownBridges"/>: a network subnet overlapping one is refused.</summary>
    public async Task<List<(IpNetwork Subnet, string Dev)>> RoutesAsync(IEnumerable<string> ownBridges, CancellationToken ct)
    {
        var own = ownBridges.ToHashSet();
        var routes = new List<(IpNetwork, string)>();
        foreach (var family in new[] { "-4", "-6" })
        {
            var r = await runner.RunAsync(["ip", "-j", family, "route", "show"], check: false, ct: ct);
            if (r.ExitCode != 0 || r.Stdout.Trim().Length == 0) continue;
            foreach (var route in JsonNode.Parse(r.Stdout) as JsonArray ?? [])
            {
                var dst = (string?)route?["dst"];
                var dev = (string?)route?["dev"] ?? "";
                if (dst is null || dst == "default" || own.Contains(dev) || dst.StartsWith("fe80")) continue;
                try { routes.Add((IpNetwork.Parse(dst), dev)); } catch (FormatException) { }
            }
        }
        return routes;
    }
}
