using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Core.Xml;

namespace Vireo.Daemon.Networks;

/// <summary>
/// net-update's edit of a definition: COMMAND (add, add-first, add-last, delete, modify) on a
/// SECTION (ip-dhcp-host, ip-dhcp-range, dns-host, dns-txt, dns-srv). The result is validated as a
/// whole new definition, so an update can never leave a network in a state define would refuse.
/// </summary>
public static class NetworkUpdate
{
    public static readonly IReadOnlyList<string> Sections = ["ip-dhcp-host", "ip-dhcp-range", "dns-host", "dns-txt", "dns-srv"];

    public static NetworkDefinition Apply(NetworkDefinition def, string command, string section, string xml, int parentIndex)
    {
        var item = SafeXml.Parse(xml, "net-update XML").Root!;
        var x = new XElement(def.Xml);
        var (parent, expected, what) = section switch
        {
            "ip-dhcp-host" => (DhcpParent(x, parentIndex, item), "host", "dhcp host"),
            "ip-dhcp-range" => (DhcpParent(x, parentIndex, item), "range", "dhcp range"),
            "dns-host" => (Dns(x), "host", "dns host"),
            "dns-txt" => (Dns(x), "txt", "dns txt record"),
            "dns-srv" => (Dns(x), "srv", "dns srv record"),
            _ => throw new VireoException(ErrorCode.NotSupported,
                $"net-update section '{section}' is not supported (supported: {string.Join(", ", Sections)})"),
        };
        if (item.Name.LocalName != expected)
            throw new VireoException(ErrorCode.XmlValidation, $"net-update {section} needs a <{expected}> element, not <{item.Name.LocalName}>");
        var match = parent.Elements(expected).FirstOrDefault(existing => Matches(section, existing, item));
        switch (command)
        {
            case "add" or "add-last" or "add-first":
                if (match is not null)
                    throw new VireoException(ErrorCode.OperationInvalid, $"there is an existing {what} entry in network '{def.Name}' that matches \"{Describe(item)}\"");
                if (command == "add-first" && parent.Elements(expected).FirstOrDefault() is { } first) first.AddBeforeSelf(item);
                else parent.Add(item);
                break;
            case "delete":
                (match ?? throw new VireoException(ErrorCode.OperationInvalid, $"couldn't locate a matching {what} entry in network '{def.Name}'")).Remove();
                break;
            case "modify":
                (match ?? throw new VireoException(ErrorCode.OperationInvalid, $"couldn't locate a matching {what} entry in network '{def.Name}'")).ReplaceWith(item);
                break;
            default:
                throw new VireoException(ErrorCode.InvalidArgument, $"unknown net-update command '{command}' (add, add-first, add-last, delete, modify)");
        }
        return NetworkDefinition.Parse(SafeXml.Format(x));
    }

    private static XElement DhcpParent(XElement net, int parentIndex, XElement item)
    {
        var ips = net.Elements("ip").ToList();
        if (ips.Count == 0) throw new VireoException(ErrorCode.OperationInvalid, "the network has no <ip> to hold DHCP settings");
        XElement ip;
        if (parentIndex >= 0)
            ip = parentIndex < ips.Count ? ips[parentIndex] : throw new VireoException(ErrorCode.InvalidArgument, $"--parent-index {parentIndex}: the network has {ips.Count} <ip> elements");
        else
        {
            // Without an index: the <ip> of the item's family that already has <dhcp>, else the first of that family.
            var v6 = (item.Attribute("ip")?.Value ?? item.Attribute("start")?.Value ?? "").Contains(':');
            var family = ips.Where(i => (i.Attribute("family")?.Value ?? ((i.Attribute("address")?.Value ?? "").Contains(':') ? "ipv6" : "ipv4")) == (v6 ? "ipv6" : "ipv4")).ToList();
            ip = family.FirstOrDefault(i => i.Element("dhcp") is not null) ?? family.FirstOrDefault() ?? ips[0];
        }
        var dhcp = ip.Element("dhcp");
        if (dhcp is null) { dhcp = new XElement("dhcp"); ip.Add(dhcp); }
        return dhcp;
    }

    private static XElement Dns(XElement net)
    {
        var dns = net.Element("dns");
        if (dns is null) { dns = new XElement("dns"); (net.Element("ip") is { } ip ? (Action<XElement>)ip.AddBeforeSelf : net.Add)(dns); }
        return dns;
    }

    private static string? A(XElement e, string n) => e.Attribute(n)?.Value;

    private static bool Matches(string section, XElement existing, XElement item) => section switch
    {
        "ip-dhcp-host" => Same(A(existing, "mac"), A(item, "mac")) || (A(item, "mac") is null && (Same(A(existing, "name"), A(item, "name")) || Same(A(existing, "ip"), A(item, "ip")))),
        "ip-dhcp-range" => A(existing, "start") == A(item, "start") && A(existing, "end") == A(item, "end"),
        "dns-host" => A(existing, "ip") == A(item, "ip"),
        "dns-txt" => A(existing, "name") == A(item, "name"),
        "dns-srv" => A(existing, "service") == A(item, "service") && A(existing, "protocol") == A(item, "protocol"),
        _ => false,
    };

    private static bool Same(string? a, string? b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Describe(XElement e) => string.Join(" ", e.Attributes().Select(a => $"{a.Name}={a.Value}"));
}
