using System.Text.RegularExpressions;
using System.Xml.Linq;
using Vireo.Core.Names;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

/// <summary>
/// Semantic checks libvirt makes at define time. Every check adds to the list instead of
/// throwing, so the user sees all problems at once, each naming its element and line.
/// </summary>
public static partial class DomainValidator
{
    private static readonly string[] LifecycleActions = ["destroy", "restart", "preserve", "rename-restart", "coredump-destroy", "coredump-restart"];

    public static void Validate(DomainDefinition d, List<string> problems)
    {
        var x = d.Xml;
        // libvirt's virDomainVirtType names; only kvm and qemu can run here, but all are valid XML.
        if (d.Type is not ("" or "kvm" or "qemu" or "kqemu" or "xen" or "lxc" or "uml" or "openvz" or "test" or "vmware"
            or "hyperv" or "vbox" or "phyp" or "parallels" or "bhyve" or "vz" or "hvf"))
            problems.Add($"<domain>: unknown domain type '{d.Type}' (expected kvm or qemu)");
        if (x.Element("name") is null)
            problems.Add("<domain>: missing <name>");
        else
            ObjectName.Check(d.Name, "domain", x.Element("name"), problems);
        CheckTitle(x, problems);
        var numaCells = x.Element("cpu")?.Element("numa")?.Elements("cell").Any() == true;
        if (x.Element("memory") is null && !numaCells)
            problems.Add("<domain>: missing <memory>");
        else if (d.MemoryKiB <= 0)
            problems.Add($"{SafeXml.Where(x.Element("memory")!)}: memory size must be greater than zero");
        if (d.Vcpus < 1) problems.Add("<vcpu>: must be at least 1");
        if (d.VcpusCurrent > d.Vcpus) problems.Add($"<vcpu>: current ({d.VcpusCurrent}) is larger than the maximum ({d.Vcpus})");
        if (d.VcpuCpuset is { } cs && !CpuList.IsValid(cs))
            problems.Add($"{SafeXml.Where(x.Element("vcpu")!)}: cpuset '{cs}' is not a valid CPU list (e.g. '0-3,^2,6')");
        CheckLifecycle(x, "on_poweroff", problems);
        CheckLifecycle(x, "on_reboot", problems);
        CheckLifecycle(x, "on_crash", problems);
        CheckOs(d, problems);
        CheckSmbios(d, problems);
        CheckNuma(d, problems);
        CheckDisks(d, problems);
        CheckCharDevs(d, problems);
        CheckInterfaces(d, problems);
        CheckAddresses(d, problems);
        CheckVideo(d, problems);
        CheckHostdevs(d, problems);
        CheckUsbPorts(d, problems);
        CheckUniqueness(d, problems);
        CheckDiskDetails(d, problems);
        CheckMemoryAndTimers(d, problems);
        CheckTokens(d, problems);
    }

    /// <summary>libvirt: "Domain title can't contain newlines" (a title is one line of 'list --title').</summary>
    private static void CheckTitle(XElement x, List<string> problems)
    {
        if (x.Element("title") is { } title && Text.FirstControl(title.Value) is { } c)
            problems.Add($"{SafeXml.Where(title)}: the title must be one line without control characters (found {Text.Describe(c)}); use <description> for longer text");
    }

    private static void CheckLifecycle(XElement x, string name, List<string> problems)
    {
        if (x.Element(name) is { } e && !LifecycleActions.Contains(e.Value.Trim()))
            problems.Add($"{SafeXml.Where(e)}: unknown action '{e.Value.Trim()}' (expected one of {string.Join(", ", LifecycleActions)})");
    }

    private static void CheckOs(DomainDefinition d, List<string> problems)
    {
        var os = d.Xml.Element("os");
        if (os is null) return;
        var bootDev = os.Elements("boot").FirstOrDefault();
        if (bootDev is not null)
        {
            var perDevice = d.Xml.Element("devices")?.Descendants("boot").FirstOrDefault(b => b.Attribute("order") is not null);
            if (perDevice is not null)
                problems.Add($"{SafeXml.Where(bootDev)}: per-device boot order ({SafeXml.Where(perDevice)}) cannot be combined with <os><boot dev=...>");
        }
        foreach (var b in os.Elements("boot"))
            if (b.Attr("dev") is not ("hd" or "cdrom" or "network" or "fd"))
                problems.Add($"{SafeXml.Where(b)}: unknown boot device '{b.Attr("dev")}' (expected hd, cdrom, network or fd)");
        if (d.Os.BootMenuTimeout is { } t && (t < 0 || t > 65535))
            problems.Add($"{SafeXml.Where(os.Element("bootmenu")!)}: timeout {t} is out of range 0-65535");
        if (d.Os.Type is not ("hvm" or "xen" or "linux" or "exe" or "uml"))
            problems.Add($"{SafeXml.Where(os.Element("type")!)}: unknown OS type '{d.Os.Type}'");
    }

    private static void CheckSmbios(DomainDefinition d, List<string> problems)
    {
        foreach (var entry in d.Xml.Elements("sysinfo").Elements("system").Elements("entry"))
        {
            if (entry.Attr("name") != "uuid" || d.Uuid == Guid.Empty) continue;
            if (!Guid.TryParse(entry.Value.Trim(), out var g) || g != d.Uuid)
                problems.Add($"{SafeXml.Where(entry)}: sysinfo system uuid '{entry.Value.Trim()}' does not match the domain <uuid> {d.Uuid}");
        }
    }

    private static void CheckNuma(DomainDefinition d, List<string> problems)
    {
        foreach (var cell in d.Xml.Elements("cpu").Elements("numa").Elements("cell"))
            if (cell.Attr("memAccess") is { } ma && ma is not ("shared" or "private"))
                problems.Add($"{SafeXml.Where(cell)}: invalid memAccess '{ma}' (expected shared or private)");
        var numatune = d.Xml.Element("numatune");
        if (numatune is null) return;
        var globalMode = numatune.ChildAttr("memory", "mode") ?? "strict";
        foreach (var node in numatune.Elements("memnode"))
        {
            var mode = node.Attr("mode") ?? "strict";
            if (mode is not ("strict" or "preferred" or "interleave" or "restrictive"))
                problems.Add($"{SafeXml.Where(node)}: invalid mode '{mode}'");
            else if ((globalMode == "restrictive") != (mode == "restrictive"))
                problems.Add($"{SafeXml.Where(node)}: mode '{mode}' cannot be mixed with numatune <memory mode='{globalMode}'>: 'restrictive' must be used in both or neither");
        }
    }

    private static void CheckVideo(DomainDefinition d, List<string> problems)
    {
        var primaries = d.Videos.Where(v => v.Primary).ToList();
        if (primaries.Count > 1)
            problems.Add($"{SafeXml.Where(primaries[1].Element)}: only one <video> device can be primary");
    }

    private static void CheckHostdevs(DomainDefinition d, List<string> problems)
    {
        foreach (var h in d.Xml.Elements("devices").Elements("hostdev").Where(h => h.Attr("type") == "pci" && h.Element("source")?.Element("address") is null))
            problems.Add($"{SafeXml.Where(h)}: a PCI <hostdev> needs <source><address domain=... bus=... slot=... function=.../></source>");
        foreach (var n in d.Interfaces.Where(n => n.Type == "hostdev" && n.Element.Element("source")?.Element("address") is null && n.SourceNetwork is null))
            problems.Add($"{SafeXml.Where(n.Element)}: type 'hostdev' needs <source><address type='pci' .../></source>");
        var seen = new Dictionary<string, XElement>();
        foreach (var h in PciHostdevs.Of(d))
            if (!seen.TryAdd(h.HostAddress, h.Element))
                problems.Add($"{SafeXml.Where(h.Element)}: host PCI device {h.HostAddress} is already assigned by {SafeXml.Where(seen[h.HostAddress])}");
    }

    private static void CheckUsbPorts(DomainDefinition d, List<string> problems)
    {
        const int hubPorts = 8;
        foreach (var a in d.Xml.Elements("devices").Elements().Elements("address").Where(a => a.Attr("type") == "usb"))
        {
            var port = a.Attr("port");
            if (port is null) continue;
            var parts = port.Split('.');
            for (var i = 1; i < parts.Length; i++)
                if (!int.TryParse(parts[i], out var p) || p < 1 || p > hubPorts)
                    problems.Add($"{SafeXml.Where(a)}: USB port '{port}' is out of range: a hub has ports 1-{hubPorts}");
        }
    }

    /// <summary>Parses libvirt address numbers, which may be hex (0x1f) or decimal; -1 if neither.</summary>
    public static long Hex(string? v)
    {
        if (v is null) return 0;
        var t = v.Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return long.TryParse(t.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var h) && h >= 0 ? h : -1;
        return long.TryParse(t, System.Globalization.NumberStyles.None, null, out var n) ? n : -1;
    }

    [GeneratedRegex(@"^\s*\^?\d+(-\d+)?(\s*,\s*\^?\d+(-\d+)?)*\s*$")]
    internal static partial Regex CpuListRegex();
}

/// <summary>libvirt's CPU list syntax: "0-3,^2,6".</summary>
public static class CpuList
{
    public static bool IsValid(string text) => DomainValidator.CpuListRegex().IsMatch(text);
}
