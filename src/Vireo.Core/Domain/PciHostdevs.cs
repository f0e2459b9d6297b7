using System.Xml.Linq;

namespace Vireo.Core.Domain;

/// <summary>A host PCI device a domain is given by VFIO: a &lt;hostdev type='pci'&gt; or an &lt;interface type='hostdev'&gt; (an SR-IOV VF).</summary>
public sealed record PciHostdev(XElement Element, string HostAddress, bool Managed, bool IsInterface)
{
    /// <summary>The guest-side device id: its alias, else hostdevN / netN by position, as libvirt names them.</summary>
    public string Id(int position) => Element.Element("alias")?.Attribute("name")?.Value ?? (IsInterface ? $"net{position}" : $"hostdev{position}");
}

public static class PciHostdevs
{
    /// <summary>"0000:03:10.1" from &lt;address domain='0x0000' bus='0x03' slot='0x10' function='0x1'/&gt;.</summary>
    public static string Format(XElement address)
    {
        static long Hex(XElement a, string name) => DomainValidator.Hex(a.Attribute(name)?.Value);
        return $"{Hex(address, "domain"):x4}:{Hex(address, "bus"):x2}:{Hex(address, "slot"):x2}.{Hex(address, "function"):x}";
    }

    /// <summary>The reverse of <see cref="Format"/>: an &lt;address type='pci'&gt; element for a host device.</summary>
    public static XElement Element(string hostAddress)
    {
        var p = hostAddress.Split(':', '.');
        return new XElement("address", new XAttribute("type", "pci"), new XAttribute("domain", "0x" + p[0]), new XAttribute("bus", "0x" + p[1]),
            new XAttribute("slot", "0x" + p[2]), new XAttribute("function", "0x" + p[3]));
    }

    public static IReadOnlyList<PciHostdev> Of(DomainDefinition d)
    {
        var list = new List<PciHostdev>();
        foreach (var h in d.Xml.Elements("devices").Elements("hostdev"))
            if (h.Attribute("type")?.Value == "pci" && h.Element("source")?.Element("address") is { } a)
                list.Add(new PciHostdev(h, Format(a), h.Attribute("managed")?.Value == "yes", false));
        foreach (var n in d.Xml.Elements("devices").Elements("interface"))
            if (n.Attribute("type")?.Value == "hostdev" && n.Element("source")?.Element("address") is { } a)
                list.Add(new PciHostdev(n, Format(a), n.Attribute("managed")?.Value == "yes", true));
        return list;
    }
}
