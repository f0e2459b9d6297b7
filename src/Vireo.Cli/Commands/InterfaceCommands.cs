using System.Xml.Linq;
using Vireo.Cli.Output;
using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>net-update and the domif* commands.</summary>
public static class InterfaceCommands
{
    /// <summary>net-update NETWORK COMMAND SECTION XML: XML is the element itself or a file holding it.</summary>
    public static async Task<int> NetUpdate(CliContext ctx, ParsedArgs a)
    {
        var xml = a.Required("xml");
        if (!xml.TrimStart().StartsWith('<')) xml = DomainDefinitionCommands.ReadXmlFile(xml);
        if (a.Has("current") && (a.Has("live") || a.Has("config"))) throw new CliException("Options --current and --live/--config are mutually exclusive");
        var index = a["parent-index"] is { } pi ? int.TryParse(pi, out var n) ? n : throw new CliException($"invalid --parent-index '{pi}'") : -1;
        await ctx.Client.UpdateNetworkAsync(a.Required("network"), new NetworkUpdateRequest
        {
            Command = a.Required("command"), Section = a.Required("section"), Xml = xml, ParentIndex = index, Live = a.Has("live"), Config = a.Has("config"),
        });
        var scope = a.Has("live") && a.Has("config") ? "persistent config and live state" : a.Has("live") ? "live state" : a.Has("config") ? "persistent config" : "current state";
        ctx.Say($"Updated network {a.Required("network")} {scope}");
        return 0;
    }

    public static async Task<int> IfList(CliContext ctx, ParsedArgs a)
    {
        var list = await ctx.Client.InterfaceListAsync(a.Required("domain"), a.Has("inactive"));
        ctx.WriteTable(["Interface", "Type", "Source", "Model", "MAC"],
            list.Select(i => (IReadOnlyList<string>)[i.Interface, i.Type, i.Source ?? "-", i.Model ?? "-", i.Mac ?? "-"]));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> IfAddr(CliContext ctx, ParsedArgs a)
    {
        var list = await ctx.Client.InterfaceAddressesAsync(a.Required("domain"), a["source"] ?? "lease");
        if (a["interface"] is { } iface) list = list.Where(i => i.Name == iface || string.Equals(i.Mac, iface, StringComparison.OrdinalIgnoreCase)).ToList();
        // As virsh: without --full, further addresses of the interface above show '-' for its name and MAC.
        ctx.WriteTable(["Name", "MAC address", "Protocol", "Address"],
            list.Select((i, n) => (IReadOnlyList<string>)(!a.Has("full") && n > 0 && list[n - 1].Name == i.Name && list[n - 1].Mac == i.Mac
                ? ["-", "-", i.Protocol, i.Address] : [i.Name, i.Mac, i.Protocol, i.Address])));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> SetLink(CliContext ctx, ParsedArgs a)
    {
        var state = a.Required("state");
        if (state is not ("up" or "down")) throw new CliException($"invalid link state '{state}': use up or down");
        var (domain, iface) = (a.Required("domain"), a.Required("interface"));
        // --config, or a shut-off domain ("current" is then its definition, as in virsh): the persistent XML.
        var summary = await ctx.Client.StateAsync(domain);
        if (a.Has("config") || summary.State == "shut off")
        {
            var (xml, nic) = await PersistentNicAsync(ctx, summary, iface);
            var link = nic.Element("link");
            if (link is null) nic.Add(link = new XElement("link"));
            link.SetAttributeValue("state", state);
            await ctx.Client.DefineAsync(xml.ToString());
        }
        else await ctx.Client.SetLinkAsync(domain, iface, state);
        ctx.Say("Device updated successfully");
        return 0;
    }

    public static async Task<int> GetLink(CliContext ctx, ParsedArgs a)
    {
        var (domain, iface) = (a.Required("domain"), a.Required("interface"));
        var summary = await ctx.Client.StateAsync(domain);
        var state = a.Has("config") || summary.State == "shut off"
            ? (await PersistentNicAsync(ctx, summary, iface)).Nic.Element("link")?.Attribute("state")?.Value ?? "up"
            : (await ctx.Client.GetLinkAsync(domain, iface)).State;
        ctx.Out.WriteLine($"{iface} {state}\n");
        return 0;
    }

    /// <summary>
    /// The persistent definition and its &lt;interface&gt; named by MAC or device: a device name (vnet0) exists only
    /// in the live XML, so it is turned into the NIC's MAC there first.
    /// </summary>
    private static async Task<(XElement Xml, XElement Nic)> PersistentNicAsync(CliContext ctx, Vireo.Contracts.DomainSummary summary, string iface)
    {
        var domain = summary.Name;
        if (!summary.Persistent)
            throw new CliException($"cannot change persistent config of a transient domain '{domain}'");
        var mac = iface.Count(c => c == ':') == 5 ? iface.ToLowerInvariant() : null;
        if (mac is null)
        {
            var live = XElement.Parse(await ctx.Client.DumpXmlAsync(domain, inactive: false, secure: true));
            mac = Nics(live).FirstOrDefault(n => n.Element("target")?.Attribute("dev")?.Value == iface)?.Element("mac")?.Attribute("address")?.Value;
        }
        var xml = XElement.Parse(await ctx.Client.DumpXmlAsync(domain, inactive: true, secure: true));
        var nic = Nics(xml).FirstOrDefault(n => n.Element("mac")?.Attribute("address")?.Value.Equals(mac, StringComparison.OrdinalIgnoreCase) == true)
                  ?? throw new CliException($"interface ({iface}) not found in the persistent definition of domain '{domain}'");
        return (xml, nic);
    }

    private static IEnumerable<XElement> Nics(XElement domain) => domain.Element("devices")?.Elements("interface") ?? [];

    public static async Task<int> IfStat(CliContext ctx, ParsedArgs a)
    {
        var s = await ctx.Client.InterfaceStatsAsync(a.Required("domain"), a.Required("interface"));
        foreach (var (k, v) in new (string, long)[] { ("rx_bytes", s.RxBytes), ("rx_packets", s.RxPackets), ("rx_errs", s.RxErrs), ("rx_drop", s.RxDrop),
                     ("tx_bytes", s.TxBytes), ("tx_packets", s.TxPackets), ("tx_errs", s.TxErrs), ("tx_drop", s.TxDrop) })
            ctx.Out.WriteLine($"{s.Interface} {k} {v}");
        ctx.Out.WriteLine();
        return 0;
    }

    /// <summary>attach-interface DOMAIN TYPE SOURCE: the &lt;interface&gt; virsh builds from its arguments.</summary>
    public static async Task<int> AttachInterface(CliContext ctx, ParsedArgs a)
    {
        string X(string s) => System.Security.SecurityElement.Escape(s);
        var domain = a.Required("domain");
        var type = a.Required("type");
        if (type is not ("network" or "bridge" or "direct" or "user" or "ethernet"))
            throw new CliException($"No support for {type} in command 'attach-interface'");
        if (a["source-mode"] is not null && type != "direct") throw new CliException("--source-mode is only for interfaces of type direct");
        var xml = $"<interface type='{X(type)}'>";
        if (a["mac"] is { } mac) xml += $"<mac address='{X(mac)}'/>";
        xml += type switch
        {
            "network" => $"<source network='{X(a.Required("source"))}'/>",
            "bridge" => $"<source bridge='{X(a.Required("source"))}'/>",
            "direct" => $"<source dev='{X(a.Required("source"))}' mode='{X(a["source-mode"] ?? "vepa")}'/>",
            _ => "",
        };
        if (a["target"] is { } t) xml += $"<target dev='{X(t)}'/>";
        if (a["script"] is { } script) xml += $"<script path='{X(script)}'/>";
        xml += $"<model type='{X(a["model"] ?? "virtio")}'/>";
        if (a["alias"] is { } alias) xml += $"<alias name='{X(alias)}'/>";
        if (a["inbound"] is not null || a["outbound"] is not null)
            xml += "<bandwidth>" + Rate("inbound", a["inbound"]) + Rate("outbound", a["outbound"]) + "</bandwidth>";
        xml += "</interface>";
        if (a.Has("print-xml")) { ctx.Out.WriteLine(xml); return 0; }
        var (live, config) = await DiskCommands.ScopeAsync(ctx, a, domain);
        await ctx.Client.AttachDeviceAsync(domain, xml, live, config);
        ctx.Say("Interface attached successfully");
        return 0;
    }

    /// <summary>virsh's --inbound/--outbound value: average[,peak[,burst[,floor]]] in KiB/s and KiB (floor inbound only).</summary>
    private static string Rate(string direction, string? value)
    {
        if (value is null) return "";
        var parts = value.Split(',');
        string[] names = direction == "inbound" ? ["average", "peak", "burst", "floor"] : ["average", "peak", "burst"];
        if (parts.Length > names.Length || parts.Any(p => p.Length > 0 && !ulong.TryParse(p, out _)) || parts[0].Length == 0 || parts[0] == "0")
            throw new CliException($"inbound/outbound value '{value}' for --{direction} is malformed: average[,peak[,burst{(direction == "inbound" ? "[,floor]" : "")}]] in KiB/s, average not 0");
        return $"<{direction}" + string.Concat(parts.Select((p, i) => p.Length == 0 ? "" : $" {names[i]}='{p}'")) + "/>";
    }

    public static async Task<int> DetachInterface(CliContext ctx, ParsedArgs a)
    {
        var domain = a.Required("domain");
        var (live, config) = await DiskCommands.ScopeAsync(ctx, a, domain);
        await ctx.Client.DetachInterfaceAsync(domain, a.Required("type"), a["mac"], live, config);
        ctx.Say("Interface detached successfully");
        return 0;
    }
}
