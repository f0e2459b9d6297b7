using System.Xml.Linq;
using Vireo.Contracts;
using Vireo.Core.Domain;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Domains;

/// <summary>domiflist, domifaddr, domif-setlink/getlink and domifstat.</summary>
public sealed partial class DomainService
{
    /// <summary>DHCP leases of a network (for domifaddr --source lease); set by the daemon.</summary>
    public Func<string, IReadOnlyList<NetworkLease>> NetworkLeases { get; set; } = _ => [];

    public List<InterfaceSummary> InterfaceList(string key, bool inactive)
    {
        var e = Lookup(key);
        DomainDefinition def;
        lock (e) def = inactive ? e.Persistent ?? e.Current : e.Current;
        return def.Interfaces.Select(n => new InterfaceSummary
        {
            Interface = n.TargetDev ?? "-", Type = n.Type, Source = n.SourceNetwork ?? n.SourceBridge ?? n.SourceDev ?? "-",
            Model = n.Model ?? "virtio", Mac = n.Mac, LinkState = n.Element.Element("link")?.Attribute("state")?.Value ?? "up",
        }).ToList();
    }

    private InterfaceDef FindNic(DomainDefinition def, string iface, string domain) =>
        def.Interfaces.FirstOrDefault(n => n.TargetDev == iface || string.Equals(n.Mac, iface, StringComparison.OrdinalIgnoreCase))
        ?? throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: no interface with MAC address or name '{iface}' in domain '{domain}'");

    /// <summary>domifaddr: from the networks' DHCP leases, the host's ARP table, or the guest agent.</summary>
    public async Task<List<InterfaceAddress>> InterfaceAddressesAsync(string key, string source)
    {
        if (source == "agent") return await AgentInterfaceAddressesAsync(key);
        var e = Lookup(key);
        DomainDefinition def;
        lock (e)
        {
            if (e.Instance is null) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
            def = e.Live!;
        }
        var result = new List<InterfaceAddress>();
        switch (source)
        {
            case "lease":
                foreach (var nic in def.Interfaces.Where(n => n.SourceNetwork is not null && n.Mac is not null))
                    foreach (var l in NetworkLeases(nic.SourceNetwork!).Where(l => string.Equals(l.Mac, nic.Mac, StringComparison.OrdinalIgnoreCase)))
                        result.Add(new InterfaceAddress { Name = nic.TargetDev ?? "-", Mac = nic.Mac!, Protocol = l.Protocol, Address = l.IpAddress });
                break;
            case "arp":
                var arp = File.Exists("/proc/net/arp") ? File.ReadAllLines("/proc/net/arp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6).ToList() : [];
                foreach (var nic in def.Interfaces.Where(n => n.Mac is not null))
                    foreach (var f in arp.Where(f => string.Equals(f[3], nic.Mac, StringComparison.OrdinalIgnoreCase)))
                        result.Add(new InterfaceAddress { Name = nic.TargetDev ?? "-", Mac = nic.Mac!, Protocol = "ipv4", Address = f[0] + "/0" });
                break;
            default:
                throw new VireoException(ErrorCode.InvalidArgument, $"Invalid --source '{source}': lease, agent or arp");
        }
        return result;
    }

    /// <summary>domif-setlink: QMP set_link on the NIC's device, and &lt;link state=&gt; in the live XML.</summary>
    public async Task SetLinkAsync(string key, string iface, string state)
    {
        if (state is not ("up" or "down")) throw new VireoException(ErrorCode.InvalidArgument, $"invalid link state '{state}': up or down");
        var (e, instance) = await RunningAsync(key);
        try
        {
            DomainDefinition live;
            lock (e) live = e.Live!;
            var nic = FindNic(live, iface, e.Name);
            var alias = nic.Element.Element("alias")?.Attribute("name")?.Value ?? $"net{live.Interfaces.ToList().IndexOf(nic)}";
            await instance.Qmp.ExecuteAsync("set_link", new System.Text.Json.Nodes.JsonObject { ["name"] = alias, ["up"] = state == "up" });
            var link = nic.Element.Element("link");
            if (link is null) { link = new XElement("link"); nic.Element.Add(link); }
            link.SetAttributeValue("state", state);
            lock (e) live.Reload();
            SaveStatus(e);
        }
        finally { e.OpLock.Release(); }
    }

    public string GetLink(string key, string iface)
    {
        var e = Lookup(key);
        DomainDefinition def;
        lock (e) def = e.Current;
        var nic = FindNic(def, iface, e.Name);
        return nic.Element.Element("link")?.Attribute("state")?.Value ?? "up";
    }

    /// <summary>domifstat: the tap's counters, seen from the guest (the tap's rx is the guest's tx), as libvirt reports them.</summary>
    public InterfaceStats InterfaceStats(string key, string iface)
    {
        var e = Lookup(key);
        DomainDefinition def;
        lock (e)
        {
            if (e.Instance is null) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
            def = e.Live!;
        }
        var nic = FindNic(def, iface, e.Name);
        var dir = $"/sys/class/net/{nic.TargetDev}/statistics";
        if (nic.TargetDev is null || !Directory.Exists(dir)) throw new VireoException(ErrorCode.OperationFailed, $"interface '{iface}' of domain '{e.Name}' has no host side to read counters from");
        // A tap's counters are the host's view (its rx is what the guest sent) and are swapped into the
        // guest's; a macvtap link's already are the guest's view, as in libvirt.
        var swap = nic.Type != "direct";
        long S(string n) => long.TryParse(File.ReadAllText(Path.Combine(dir, swap ? Swapped(n) : n)).Trim(), out var v) ? v : 0;
        return new InterfaceStats
        {
            Interface = nic.TargetDev, RxBytes = S("rx_bytes"), RxPackets = S("rx_packets"), RxErrs = S("rx_errors"), RxDrop = S("rx_dropped"),
            TxBytes = S("tx_bytes"), TxPackets = S("tx_packets"), TxErrs = S("tx_errors"), TxDrop = S("tx_dropped"),
        };
    }

    private static string Swapped(string counter) => counter.StartsWith("rx_") ? "tx_" + counter[3..] : "rx_" + counter[3..];
}
