using System.Xml.Linq;
using System.Text.RegularExpressions;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

public static partial class DomainValidator
{
    /// <summary>Things libvirt refuses to see twice: controller type+index, user aliases, PCI addresses, iothread ids, MACs.</summary>
    private static void CheckUniqueness(DomainDefinition d, List<string> problems)
    {
        var controllers = new HashSet<string>();
        foreach (var c in d.Controllers)
            if (!controllers.Add($"{c.Type}/{c.Index}"))
                problems.Add($"{SafeXml.Where(c.Element)}: Multiple '{c.Type}' controllers with index '{c.Index}'");

        var aliases = new HashSet<string>();
        foreach (var alias in d.Xml.Elements("devices").Elements().Elements("alias"))
            if (alias.Attr("name") is { } name && !aliases.Add(name))
                problems.Add($"{SafeXml.Where(alias)}: non unique alias detected: {name}");

        var pci = new Dictionary<string, System.Xml.Linq.XElement>();
        foreach (var a in d.Xml.Elements("devices").Elements().Elements("address").Where(a => a.Attr("type") == "pci"))
        {
            if (a.Attr("slot") is null) continue;
            var key = $"{Hex(a.Attr("domain")):x4}:{Hex(a.Attr("bus")):x2}:{Hex(a.Attr("slot")):x2}.{Hex(a.Attr("function"))}";
            if (!pci.TryAdd(key, a))
                problems.Add($"{SafeXml.Where(a.Parent!)}: Attempted double use of PCI Address {key} (already used by {SafeXml.Where(pci[key].Parent!)})");
        }

        var iothreads = new HashSet<string>();
        foreach (var t in d.Xml.Elements("iothreadids").Elements("iothread"))
            if (t.Attr("id") is { } id && !iothreads.Add(id))
                problems.Add($"{SafeXml.Where(t)}: duplicate iothread id '{id}'");

        foreach (var nic in d.Interfaces)
        {
            if (nic.Mac is not { } mac) continue;
            if (!MacRegex().IsMatch(mac))
                problems.Add($"{SafeXml.Where(nic.Element.Element("mac")!)}: unable to parse mac address '{mac}'");
            else if ((Convert.ToByte(mac[..2], 16) & 1) != 0)
                problems.Add($"{SafeXml.Where(nic.Element.Element("mac")!)}: expected unicast mac address, found multicast '{mac}'");
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex MacRegex();
}
