using System.Net;
using System.Xml.Linq;
using Vireo.Core.Names;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

/// <summary>
/// The grammar of domain values that become QEMU option-list values, device ids, host interface
/// names or file names: refused at define time with the element and line, so the QEMU command line,
/// QMP ids, ip/tc/ovs-vsctl arguments and the files vireod makes keep their structure. Free text
/// that QEMU can carry (paths, serials) is escaped by the argv builder instead.
/// </summary>
public static partial class DomainValidator
{
    /// <summary>libvirt's architecture names (virArch); the emulator's file name is built from it.</summary>
    public static readonly IReadOnlyList<string> Architectures =
        ["alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64", "lm32", "loongarch64", "m68k", "microblaze",
         "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppc64",
         "ppc64le", "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64",
         "xtensa", "xtensaeb"];

    private static readonly string[] WatchdogActions = ["reset", "shutdown", "poweroff", "pause", "dump", "none", "inject-nmi"];
    private static readonly string[] CpuFeaturePolicies = ["force", "require", "optional", "disable", "forbid"];

    private static void CheckTokens(DomainDefinition d, List<string> problems)
    {
        var x = d.Xml;
        void Add(XElement e, string what) => problems.Add($"{SafeXml.Where(e)}: {what}");

        if (x.Element("os")?.Element("type") is { } type)
        {
            if (type.Attr("arch") is { } arch && !Architectures.Contains(arch)) Add(type, $"unknown architecture '{Text.Printable(arch)}'");
            if (type.Attr("machine") is { } machine && !IsToken(machine)) Add(type, $"invalid machine type '{Text.Printable(machine)}' {TokenRule}");
        }
        if (x.Element("cpu") is { } cpu)
        {
            if (cpu.Element("model") is { } model && model.Value.Trim() is var m && !IsToken(m) && (m.Length > 0 || (cpu.Attr("mode") ?? "custom") == "custom"))
                Add(model, m.Length == 0 ? "Missing CPU model name" : $"invalid CPU model '{Text.Printable(m)}' {TokenRule}");
            foreach (var f in cpu.Elements("feature"))
            {
                if (f.Attr("name") is not { } name || !IsToken(name)) Add(f, $"invalid CPU feature name '{Text.Printable(f.Attr("name") ?? "")}' {TokenRule}");
                if (f.Attr("policy") is { } policy && !CpuFeaturePolicies.Contains(policy))
                    Add(f, $"unknown CPU feature policy '{Text.Printable(policy)}' (expected {string.Join(", ", CpuFeaturePolicies)})");
            }
        }
        var devices = x.Element("devices");
        foreach (var alias in devices?.Elements().Elements("alias") ?? [])
            if (alias.Attr("name") is { } name && !IsDeviceId(name))
                Add(alias, $"alias '{Text.Printable(name)}' is not a valid device id (a letter, then letters, digits, '-', '.' or '_', at most 64)");
        foreach (var disk in d.Disks)
            if (disk.TargetDev is { } dev && !(dev.Length is > 0 and <= 32 && dev.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
                Add(disk.Element.Element("target")!, $"invalid disk target '{Text.Printable(dev)}' (letters, digits and '_', at most 32, e.g. vda)");
        // A drive address names the QEMU device (sata0-0-0-1), so each part is a number.
        foreach (var a in devices?.Elements().Elements("address").Where(a => a.Attr("type") == "drive") ?? [])
            foreach (var part in new[] { "controller", "bus", "target", "unit" })
                if (a.Attr(part) is { } v && !(v.Length is > 0 and <= 9 && v.All(char.IsAsciiDigit)))
                    Add(a, $"invalid drive address {part} '{Text.Printable(v)}' (a non-negative number)");
        foreach (var nic in d.Interfaces) CheckNicTokens(nic, Add);
        foreach (var g in d.Graphics) CheckGraphicsTokens(g, Add);
        foreach (var c in d.Serials.Concat(d.Consoles).Concat(d.Channels)) CheckCharDevTokens(c, Add);
        foreach (var w in d.Watchdogs)
            if (w.Element.Attr("action") is { } action && !WatchdogActions.Contains(action))
                Add(w.Element, $"unknown watchdog action '{Text.Printable(action)}' (expected {string.Join(", ", WatchdogActions)})");
        foreach (var target in d.Controllers.Where(c => c.Model == "pcie-root-port").Select(c => c.Element.Element("target")).OfType<XElement>())
            foreach (var attr in new[] { "chassis", "port" })
                if (target.Attr(attr) is { } v && Hex(v) is < 0 or > 255) Add(target, $"invalid {attr} '{Text.Printable(v)}' (0-255)");
    }

    private const string TokenRule = "(letters, digits, '-', '_' and '.')";

    /// <summary>Machine types, CPU models and feature names: the characters QEMU's names use, so nothing splits QEMU's option list.</summary>
    private static bool IsToken(string s) => s.Length is > 0 and <= 64 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>QEMU's rule for ids (id_wellformed): a letter first, then letters, digits, '-', '.', '_'.</summary>
    public static bool IsDeviceId(string s) => s.Length is > 0 and <= 64 && char.IsAsciiLetter(s[0]) && IsToken(s);

    private static void CheckNicTokens(InterfaceDef nic, Action<XElement, string> add)
    {
        var e = nic.Element;
        void Interface(string? name, XElement? where, string what)
        {
            if (name is not null && InterfaceName.Problem(name) is { } p) add(where ?? e, $"{what} '{Text.Printable(name)}' is not a valid interface name: it {p}");
        }
        Interface(nic.TargetDev, e.Element("target"), "target device");
        Interface(nic.SourceBridge, e.Element("source"), "bridge");
        if (nic.Type == "direct") Interface(nic.SourceDev, e.Element("source"), "source device");
        if (nic.SourceNetwork is { } net && ObjectName.Problem(net) is { } np) add(e.Element("source")!, $"network name '{Text.Printable(net)}' {np}");
        if (e.Element("virtualport")?.Element("parameters") is { } vp && vp.Attr("interfaceid") is { } id && !Guid.TryParse(id, out _))
            add(vp, $"interfaceid '{Text.Printable(id)}' is not a UUID");
        foreach (var dir in e.Elements("bandwidth").Elements().Where(b => b.Name.LocalName is "inbound" or "outbound"))
        {
            // Rates and bursts become tc arguments: positive whole numbers (kilobytes per second, kilobytes).
            foreach (var attr in new[] { "average", "peak", "burst", "floor" })
                if (dir.Attr(attr) is { } v && !(long.TryParse(v, System.Globalization.NumberStyles.None, null, out var n) && n > 0))
                    add(dir, $"could not convert bandwidth {attr} value '{Text.Printable(v)}' (a positive whole number)");
            if (dir.Attr("average") is null && dir.Attr("floor") is null) add(dir, "missing mandatory average or floor attributes");
        }
    }

    private static void CheckGraphicsTokens(GraphicsDef g, Action<XElement, string> add)
    {
        if (g.Listen is { } listen && HostProblem(listen) is { } p) add(g.Element, $"listen address '{Text.Printable(listen)}' {p}");
        if (g.Element.Attr("websocket") is { } ws && !(int.TryParse(ws, System.Globalization.NumberStyles.AllowLeadingSign, null, out var port) && port is >= -1 and <= 65535))
            add(g.Element, $"invalid websocket port '{Text.Printable(ws)}' (-1 for automatic, or 0-65535)");
    }

    private static void CheckCharDevTokens(CharDevDef c, Action<XElement, string> add)
    {
        var src = c.Element.Element("source") ?? c.Element;
        if (c.Type is "tcp" or "udp")
        {
            if (c.SourceHost is { } host && HostProblem(host) is { } p) add(src, $"host '{Text.Printable(host)}' {p}");
            if (c.SourceService is { } service && !IsPort(service)) add(src, $"service '{Text.Printable(service)}' is not a port number (0-65535)");
        }
        if (c.Kind == "channel" && c.TargetName is { } name && ObjectName.Problem(name) is { } np)
            add(c.Element.Element("target")!, $"channel name '{Text.Printable(name)}' {np}");
        if (c.Kind == "channel" && c.TargetType == "guestfwd" && c.Element.Element("target") is { } t)
        {
            if (t.Attr("address") is not { } a || !IPAddress.TryParse(a, out _) || a.Contains('%')) add(t, $"guestfwd address '{Text.Printable(t.Attr("address") ?? "")}' is not an IP address");
            if (t.Attr("port") is not { } port || !IsPort(port)) add(t, $"guestfwd port '{Text.Printable(t.Attr("port") ?? "")}' is not a port number (0-65535)");
        }
    }

    private static bool IsPort(string s) => s.Length is > 0 and <= 5 && s.All(char.IsAsciiDigit) && int.Parse(s) <= 65535;

    /// <summary>A listen or connect address: an IP address (no scope) or a host name.</summary>
    private static string? HostProblem(string host)
    {
        if (!host.Contains('%') && IPAddress.TryParse(host, out _)) return null;
        return DnsNames.HostNameProblem(host) is { } p ? $"is neither an IP address nor a host name: it {p}" : null;
    }
}
