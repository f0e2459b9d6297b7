using System.Net;
using System.Xml.Linq;
using Vireo.Core.Xml;

namespace Vireo.Core.Network;

public sealed partial class NetworkDefinition
{
    private void Load(List<string> problems)
    {
        var x = Xml;
        Name = x.ChildText("name")?.Trim() ?? "";
        var uuidText = x.ChildText("uuid")?.Trim();
        if (uuidText is not null && !Guid.TryParse(uuidText, out _)) problems.Add($"{SafeXml.Where(x.Element("uuid")!)}: '{uuidText}' is not a valid UUID");
        else Uuid = uuidText is null ? Guid.Empty : Guid.Parse(uuidText);
        var forward = x.Element("forward");
        ForwardMode = forward is null ? null : forward.Attr("mode") ?? "nat";
        ForwardDev = forward.Attr("dev");
        ForwardInterfaces = forward?.Elements("interface").Select(i => i.Attr("dev") ?? "").ToList() ?? [];
        ForwardPf = forward?.Element("pf").Attr("dev");
        var bridge = x.Element("bridge");
        BridgeName = bridge.Attr("name");
        Stp = bridge.Attr("stp") is not "off";
        BridgeDelay = int.TryParse(bridge.Attr("delay"), out var delay) ? delay : 0;
        MacAddress = x.ChildAttr("mac", "address");
        Mtu = int.TryParse(x.ChildAttr("mtu", "size"), out var mtu) ? mtu : null;
        DomainName = x.ChildAttr("domain", "name");
        DomainLocalOnly = x.ChildAttr("domain", "localOnly") == "yes";
        VirtualPortType = x.ChildAttr("virtualport", "type");
        Ips = x.Elements("ip").Select(ip => ReadIp(ip, problems)).Where(ip => ip is not null).Select(ip => ip!).ToList();
        var dns = x.Element("dns");
        DnsEnabled = dns.Attr("enable") is not "no";
        DnsForwarders = dns?.Elements("forwarder").Select(f => new DnsForwarder(Addr(f, "addr", problems), f.Attr("domain"))).ToList() ?? [];
        DnsHosts = dns?.Elements("host").Select(h => ReadDnsHost(h, problems)).Where(h => h is not null).Select(h => h!).ToList() ?? [];
        DnsSrvs = dns?.Elements("srv").Select(s => new DnsSrv(s.Attr("service") ?? "", s.Attr("protocol") ?? "", s.Attr("domain"), s.Attr("target"),
            Int(s.Attr("port")), Int(s.Attr("priority")), Int(s.Attr("weight")))).ToList() ?? [];
        DnsTxts = dns?.Elements("txt").Select(t => new DnsTxt(t.Attr("name") ?? "", t.Attr("value") ?? "")).ToList() ?? [];
    }

    private static int? Int(string? s) => int.TryParse(s, out var n) ? n : null;

    private static IPAddress? Addr(XElement e, string attr, List<string> problems)
    {
        if (e.Attr(attr) is not { } v) return null;
        // A scope ("%eth0") would reach dnsmasq and nft as written: addresses here are plain.
        if (!v.Contains('%') && IPAddress.TryParse(v, out var a)) return a;
        problems.Add($"{SafeXml.Where(e)}: '{Names.Text.Printable(v)}' is not a valid IP address ({attr})");
        return null;
    }

    private static NetworkIp? ReadIp(XElement ip, List<string> problems)
    {
        var address = Addr(ip, "address", problems);
        if (address is null)
        {
            if (ip.Attr("address") is null) problems.Add($"{SafeXml.Where(ip)}: missing the 'address' attribute");
            return null;
        }
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var family = ip.Attr("family") ?? (v6 ? "ipv6" : "ipv4");
        if ((family == "ipv6") != v6) problems.Add($"{SafeXml.Where(ip)}: address {address} does not match family '{family}'");
        int prefix;
        if (ip.Attr("prefix") is { } p)
        {
            if (!int.TryParse(p, out prefix) || prefix < 0 || prefix > (v6 ? 128 : 32)) { problems.Add($"{SafeXml.Where(ip)}: invalid prefix '{p}'"); return null; }
        }
        else if (Addr(ip, "netmask", problems) is { } mask)
        {
            prefix = IpNetwork.PrefixOfNetmask(mask);
            if (prefix < 0) { problems.Add($"{SafeXml.Where(ip)}: netmask {mask} is not contiguous"); return null; }
        }
        else prefix = v6 ? 64 : ClassfulPrefix(address);
        var dhcp = ip.Element("dhcp");
        var ranges = new List<DhcpRange>();
        foreach (var r in dhcp?.Elements("range") ?? [])
            if (Addr(r, "start", problems) is { } s && Addr(r, "end", problems) is { } end) ranges.Add(new DhcpRange(s, end, Lease(r.Element("lease"), problems)));
            else if (r.Attr("start") is null || r.Attr("end") is null) problems.Add($"{SafeXml.Where(r)}: a range needs 'start' and 'end'");
        var hosts = dhcp?.Elements("host").Select(h => new DhcpHost(h.Attr("mac"), h.Attr("id"), h.Attr("name"), Addr(h, "ip", problems), Lease(h.Element("lease"), problems))).ToList() ?? [];
        var bootp = dhcp?.Element("bootp");
        return new NetworkIp(family, address, prefix, ranges, hosts, ip.ChildAttr("tftp", "root"), bootp.Attr("file"), bootp is null ? null : Addr(bootp, "server", problems));
    }

    /// <summary>libvirt's default prefix for an IPv4 address given without netmask or prefix.</summary>
    private static int ClassfulPrefix(IPAddress a) => a.GetAddressBytes()[0] switch { < 128 => 8, < 192 => 16, _ => 24 };

    private static TimeSpan? Lease(XElement? lease, List<string> problems)
    {
        if (lease is null) return null;
        if (!long.TryParse(lease.Attr("expiry"), out var n) || n < 0) { problems.Add($"{SafeXml.Where(lease)}: 'expiry' must be a non-negative number"); return null; }
        // expiry='0' means an infinite lease.
        return lease.Attr("unit") switch
        {
            "seconds" => TimeSpan.FromSeconds(n),
            "hours" => TimeSpan.FromHours(n),
            null or "minutes" => TimeSpan.FromMinutes(n),
            var u => Fail(problems, $"{SafeXml.Where(lease)}: unknown lease unit '{u}'"),
        };
    }

    private static TimeSpan? Fail(List<string> problems, string p) { problems.Add(p); return null; }

    private static DnsHost? ReadDnsHost(XElement h, List<string> problems)
    {
        if (Addr(h, "ip", problems) is not { } ip) return null;
        return new DnsHost(ip, h.Elements("hostname").Select(n => n.Value.Trim()).ToList());
    }

    /// <summary>Fills in what libvirt fills in at define time: a uuid, a bridge name (virbrN) for networks that need one, its MAC.</summary>
    public void ApplyDefaults(Func<int, bool> bridgeNameTaken)
    {
        if (Uuid == Guid.Empty)
            Xml.Element("name")!.AddAfterSelf(new XElement("uuid", Guid.NewGuid().ToString()));
        if (HasOwnBridge && BridgeName is null)
        {
            var n = 0;
            while (bridgeNameTaken(n)) n++;
            var bridge = Xml.Element("bridge") ?? new XElement("bridge");
            if (bridge.Parent is null) Xml.Element("uuid")!.AddAfterSelf(bridge);
            bridge.SetAttributeValue("name", $"virbr{n}");
            if (bridge.Attribute("stp") is null) bridge.SetAttributeValue("stp", "on");
            if (bridge.Attribute("delay") is null) bridge.SetAttributeValue("delay", "0");
        }
        if (HasOwnBridge && Xml.Element("mac") is null)
        {
            // 52:54:00 is QEMU's prefix, as libvirt uses for bridges.
            var b = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3);
            (Xml.Element("bridge") ?? Xml.Element("uuid")!).AddAfterSelf(new XElement("mac", new XAttribute("address", $"52:54:00:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}")));
        }
        Reload();
    }
}
