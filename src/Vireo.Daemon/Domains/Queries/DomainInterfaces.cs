using System.Text.Json.Nodes;
using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains.Runner;

namespace Vireo.Daemon.Domains.Queries;

/// <summary>One address of a guest interface, as domifaddr shows it.</summary>
public sealed record GuestAddress(string Name, string Mac, string Protocol, string Address);

/// <summary>A NIC's traffic counters, seen from the guest.</summary>
public sealed record NicCounters(string Interface, long RxBytes, long RxPackets, long RxErrs, long RxDrop, long TxBytes, long TxPackets, long TxErrs, long TxDrop);

/// <summary>domiflist, domifaddr, domif-setlink/getlink and domifstat.</summary>
public sealed class DomainInterfaces(DomainRegistry registry, DomainRunner runner, INetworkPlugs networks, DomainAgent agent)
{
    public IReadOnlyList<InterfaceDef> List(string key, bool inactive)
    {
        var e = registry.Lookup(key);
        lock (e) return (inactive ? e.Persistent ?? e.Current : e.Current).Interfaces;
    }

    private static InterfaceDef Find(DomainDefinition def, string iface, string domain) =>
        def.Interfaces.FirstOrDefault(n => n.TargetDev == iface || string.Equals(n.Mac, iface, StringComparison.OrdinalIgnoreCase))
        ?? throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: no interface with MAC address or name '{iface}' in domain '{domain}'");

    private static DomainDefinition LiveOf(DomainEntry e)
    {
        lock (e) return e.Instance is null ? throw DomainOperation.NotRunning(e.Name) : e.Live!;
    }

    /// <summary>domifaddr: from the networks' DHCP leases, the host's ARP table, or the guest agent.</summary>
    public async Task<IReadOnlyList<GuestAddress>> AddressesAsync(string key, string source)
    {
        if (source == "agent") return await AgentAddressesAsync(key);
        var def = LiveOf(registry.Lookup(key));
        var result = new List<GuestAddress>();
        switch (source)
        {
            case "lease":
                foreach (var nic in def.Interfaces.Where(n => n.SourceNetwork is not null && n.Mac is not null))
                    foreach (var l in networks.LeasesOf(nic.SourceNetwork!).Where(l => string.Equals(l.Mac, nic.Mac, StringComparison.OrdinalIgnoreCase)))
                        result.Add(new GuestAddress(nic.TargetDev ?? "-", nic.Mac!, l.Protocol, l.Address));
                break;
            case "arp":
                var arp = File.Exists("/proc/net/arp") ? File.ReadAllLines("/proc/net/arp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6).ToList() : [];
                foreach (var nic in def.Interfaces.Where(n => n.Mac is not null))
                    foreach (var f in arp.Where(f => string.Equals(f[3], nic.Mac, StringComparison.OrdinalIgnoreCase)))
                        result.Add(new GuestAddress(nic.TargetDev ?? "-", nic.Mac!, "ipv4", f[0] + "/0"));
                break;
            default:
                throw new VireoException(ErrorCode.InvalidArgument, $"Invalid --source '{source}': lease, agent or arp");
        }
        return result;
    }

    /// <summary>domifaddr --source agent: every interface the guest reports, with each of its addresses (N/A for none).</summary>
    private async Task<IReadOnlyList<GuestAddress>> AgentAddressesAsync(string key)
    {
        var reply = await agent.ExecuteAsync(key, "guest-network-get-interfaces");
        var result = new List<GuestAddress>();
        foreach (var iface in reply as JsonArray ?? [])
        {
            var name = (string?)iface?["name"] ?? "-";
            var mac = (string?)iface?["hardware-address"] ?? "-";
            var addrs = iface?["ip-addresses"] as JsonArray ?? [];
            if (addrs.Count == 0) result.Add(new GuestAddress(name, mac, "N/A", "N/A"));
            foreach (var a in addrs)
                result.Add(new GuestAddress(name, mac, (string?)a?["ip-address-type"] ?? "-", $"{(string?)a?["ip-address"]}/{(int?)a?["prefix"]}"));
        }
        return result;
    }

    /// <summary>domif-setlink: QMP set_link on the NIC's device, and &lt;link state=&gt; in the live XML.</summary>
    public async Task SetLinkAsync(string key, string iface, string state)
    {
        if (state is not ("up" or "down")) throw new VireoException(ErrorCode.InvalidArgument, $"invalid link state '{state}': up or down");
        await using var op = await DomainOperation.RunningAsync(registry.Lookup(key));
        var e = op.Entry;
        DomainDefinition live;
        lock (e) live = e.Live!;
        var nic = Find(live, iface, e.Name);
        var alias = nic.Element.Element("alias")?.Attribute("name")?.Value ?? $"net{live.Interfaces.ToList().IndexOf(nic)}";
        await op.Running.Qmp.SetLinkAsync(alias, up: state == "up");
        var link = nic.Element.Element("link");
        if (link is null) { link = new XElement("link"); nic.Element.Add(link); }
        link.SetAttributeValue("state", state);
        lock (e) live.Reload();
        runner.SaveStatus(e);
    }

    public string GetLink(string key, string iface)
    {
        var e = registry.Lookup(key);
        DomainDefinition def;
        lock (e) def = e.Current;
        return Find(def, iface, e.Name).Element.Element("link")?.Attribute("state")?.Value ?? "up";
    }

    /// <summary>domifstat: the host side's counters, seen from the guest (a tap's rx is the guest's tx), as libvirt reports them.</summary>
    public NicCounters Stats(string key, string iface)
    {
        var e = registry.Lookup(key);
        var nic = Find(LiveOf(e), iface, e.Name);
        var dir = $"/sys/class/net/{nic.TargetDev}/statistics";
        if (nic.TargetDev is null || !Directory.Exists(dir)) throw new VireoException(ErrorCode.OperationFailed, $"interface '{iface}' of domain '{e.Name}' has no host side to read counters from");
        // A tap's counters are the host's view and are swapped into the guest's; a macvtap link's already are the guest's.
        var swap = nic.Type != "direct";
        long S(string n) => long.TryParse(File.ReadAllText(Path.Combine(dir, swap ? Swapped(n) : n)).Trim(), out var v) ? v : 0;
        return new NicCounters(nic.TargetDev, S("rx_bytes"), S("rx_packets"), S("rx_errors"), S("rx_dropped"),
            S("tx_bytes"), S("tx_packets"), S("tx_errors"), S("tx_dropped"));
    }

    private static string Swapped(string counter) => counter.StartsWith("rx_") ? "tx_" + counter[3..] : "rx_" + counter[3..];
}
