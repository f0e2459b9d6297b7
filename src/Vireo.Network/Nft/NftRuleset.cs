using System.Security.Cryptography;
using System.Text;
using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Core.Network;

namespace Vireo.Network.Nft;

/// <summary>
/// The nftables rules of Vireo's networks, in one table Vireo owns (`inet vireo`): base chains for
/// forward, input and postrouting that jump into one chain set per network. The whole table is
/// replaced atomically (`nft -f`), so starting or stopping a network never leaves half a ruleset.
/// Pure: golden files pin the output for each forward mode.
/// </summary>
public static class NftRuleset
{
    public const string Table = "vireo";

    /// <summary>The complete script for the active networks: delete + recreate the table in one transaction.</summary>
    public static string Render(IEnumerable<NetworkDefinition> active)
    {
        var nets = active.Where(n => n.HasOwnBridge && n.BridgeName is not null).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        // 'add' then 'delete' makes the delete succeed whether or not the table existed.
        sb.Append($"add table inet {Table}\ndelete table inet {Table}\n");
        // With no network left, Vireo's table goes away entirely.
        if (nets.Count == 0) return sb.ToString();
        sb.Append($"table inet {Table} {{\n");
        foreach (var n in nets) NetworkChains(n, sb);
        sb.Append("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
        foreach (var n in nets) sb.Append($"\t\tjump {Chain(n, "fwd")}\n");
        sb.Append("\t}\n");
        sb.Append("\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n");
        foreach (var n in nets) sb.Append($"\t\tjump {Chain(n, "in")}\n");
        sb.Append("\t}\n");
        sb.Append("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        foreach (var n in nets.Where(n => n.ForwardMode == "nat")) sb.Append($"\t\tjump {Chain(n, "nat")}\n");
        sb.Append("\t}\n}\n");
        return sb.ToString();
    }

    /// <summary>
    /// A chain per network and kind. nft takes chain names only as bare identifiers (letters, digits,
    /// '_', '-', '.'), so a network whose name holds anything else gets a chain named after a hash of it.
    /// </summary>
    public static string Chain(NetworkDefinition n, string kind) =>
        n.Name.Length <= 200 && n.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            ? $"net-{n.Name}-{kind}"
            : $"net_{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(n.Name)))[..16]}-{kind}";

    /// <summary>An interface name in nft's double quotes: only names the interface rule allows, which need no escaping.</summary>
    private static string Q(string name) => InterfaceName.Problem(name) is { } p
        ? throw new VireoException(ErrorCode.ConfigUnsupported, $"refusing to write nftables rules: interface name '{Text.Printable(name)}' {p}")
        : "\"" + name + "\"";

    private static void NetworkChains(NetworkDefinition n, StringBuilder sb)
    {
        var br = Q(n.BridgeName!);
        var outDev = n.ForwardDev is { } d ? $" oifname {Q(d)}" : "";
        var inDev = n.ForwardDev is { } d2 ? $" iifname {Q(d2)}" : "";
        void Rule(string chainLine) => sb.Append("\t\t").Append(chainLine).Append('\n');

        // Guests always reach the host's DHCP and DNS on their bridge.
        sb.Append($"\tchain {Chain(n, "in")} {{\n");
        Rule($"iifname {br} udp dport {{ 53, 67, 547 }} accept");
        Rule($"iifname {br} tcp dport 53 accept");
        sb.Append("\t}\n");

        sb.Append($"\tchain {Chain(n, "fwd")} {{\n");
        Rule($"iifname {br} oifname {br} accept");
        foreach (var ip in n.Ips)
        {
            var fam = ip.IsIPv6 ? "ip6" : "ip";
            var subnet = ip.Subnet;
            switch (n.ForwardMode)
            {
                case "nat":
                    Rule($"iifname {br}{outDev} {fam} saddr {subnet} accept");
                    Rule($"oifname {br}{inDev} {fam} daddr {subnet} ct state related,established accept");
                    break;
                case "route":
                    Rule($"iifname {br}{outDev} {fam} saddr {subnet} accept");
                    Rule($"oifname {br}{inDev} {fam} daddr {subnet} accept");
                    break;
                case "open":
                    Rule($"iifname {br} accept");
                    Rule($"oifname {br} accept");
                    break;
            }
        }
        // Everything else in or out of the bridge is refused: isolated networks stop here entirely.
        if (n.ForwardMode != "open")
        {
            Rule($"iifname {br} reject");
            Rule($"oifname {br} reject");
        }
        sb.Append("\t}\n");

        if (n.ForwardMode != "nat") return;
        sb.Append($"\tchain {Chain(n, "nat")} {{\n");
        foreach (var ip in n.Ips.Where(i => !i.IsIPv6))
        {
            var s = ip.Subnet;
            Rule($"ip saddr {s} ip daddr 224.0.0.0/24 return");
            Rule($"ip saddr {s} ip daddr 255.255.255.255 return");
            Rule($"ip saddr {s} ip daddr != {s}{outDev} meta l4proto {{ tcp, udp }} masquerade to :1024-65535");
            Rule($"ip saddr {s} ip daddr != {s}{outDev} masquerade");
        }
        sb.Append("\t}\n");
    }
}
