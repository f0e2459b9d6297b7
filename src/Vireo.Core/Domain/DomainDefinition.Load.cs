using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

public sealed partial class DomainDefinition
{
    private void Load(List<string> problems)
    {
        var x = Xml;
        Type = x.Attr("type") ?? "";
        if (Type == "") problems.Add("<domain> is missing the 'type' attribute (kvm or qemu)");
        Name = x.ChildText("name")?.Trim() ?? "";
        var uuidText = x.ChildText("uuid")?.Trim();
        if (uuidText is not null && !Guid.TryParse(uuidText, out var g))
            problems.Add($"{SafeXml.Where(x.Element("uuid")!)}: '{uuidText}' is not a valid UUID");
        else
            Uuid = uuidText is null ? Guid.Empty : Guid.Parse(uuidText);
        Title = x.ChildText("title");
        Description = x.ChildText("description");
        // Without <memory>, libvirt takes the total of the NUMA cells.
        MemoryKiB = x.Element("memory") is { } mem ? ReadMemory(mem, problems)
            : x.Element("cpu")?.Element("numa")?.Elements("cell").Sum(c => c.Attr("memory") is { } m ? MemorySize.ToKiB(m, c.Attr("unit"), SafeXml.Where(c)) : 0) ?? 0;
        // Like libvirt, a currentMemory above memory (or zero) means all of it.
        CurrentMemoryKiB = x.Element("currentMemory") is { } cm ? ReadMemory(cm, problems) : MemoryKiB;
        if (CurrentMemoryKiB > MemoryKiB || CurrentMemoryKiB == 0) CurrentMemoryKiB = MemoryKiB;
        var vcpu = x.Element("vcpu");
        Vcpus = vcpu is null ? 1 : ReadInt(vcpu, vcpu.Value, problems) ?? 1;
        VcpusCurrent = vcpu?.Attr("current") is { } cur ? ReadInt(vcpu, cur, problems) ?? Vcpus : Vcpus;
        VcpuCpuset = vcpu?.Attr("cpuset");
        Os = ReadOs(x.Element("os"), problems);
        Cpu = ReadCpu(x.Element("cpu"), problems);
        Features = x.Element("features")?.Elements().Select(e => e.Name.LocalName).ToHashSet() ?? [];
        var clock = x.Element("clock");
        Clock = new ClockDef(clock.Attr("offset") ?? "utc",
            clock?.Elements("timer").Select(t => (t.Attr("name") ?? "", t.Attr("tickpolicy"), t.Attr("present"))).ToList() ?? []);
        OnPoweroff = x.ChildText("on_poweroff")?.Trim() ?? "destroy";
        OnReboot = x.ChildText("on_reboot")?.Trim() ?? "restart";
        OnCrash = x.ChildText("on_crash")?.Trim() ?? "destroy";
        var devices = x.Element("devices");
        Emulator = devices.ChildText("emulator")?.Trim();
        Disks = Each(devices, "disk", e => ReadDisk(e, problems));
        Controllers = Each(devices, "controller", e => new ControllerDef(e, e.Attr("type") ?? "",
            ReadInt(e, e.Attr("index") ?? "0", problems) ?? 0, e.Attr("model"), DeviceAddress.From(e.Element("address"))));
        Interfaces = Each(devices, "interface", e => new InterfaceDef(e, e.Attr("type") ?? "", e.ChildAttr("mac", "address"),
            e.ChildAttr("model", "type"), e.ChildAttr("source", "network"), e.ChildAttr("source", "bridge"),
            e.ChildAttr("source", "dev"), e.ChildAttr("target", "dev"), ReadBootOrder(e, problems), DeviceAddress.From(e.Element("address"))));
        Serials = Each(devices, "serial", e => ReadCharDev(e, problems));
        Consoles = Each(devices, "console", e => ReadCharDev(e, problems));
        Channels = Each(devices, "channel", e => ReadCharDev(e, problems));
        Graphics = Each(devices, "graphics", e => ReadGraphics(e, problems));
        Videos = Each(devices, "video", e => new VideoDef(e, e.ChildAttr("model", "type") ?? "",
            e.ChildAttr("model", "primary") == "yes",
            e.ChildAttr("model", "vram") is { } v ? ReadInt(e, v, problems) : null,
            e.ChildAttr("model", "heads") is { } h ? ReadInt(e, h, problems) : null));
        Inputs = Each(devices, "input", e => Simple(e));
        Rngs = Each(devices, "rng", e => Simple(e));
        Watchdogs = Each(devices, "watchdog", e => Simple(e));
        Memballoon = devices?.Element("memballoon") is { } mb ? Simple(mb) : null;
    }

    private static SimpleDeviceDef Simple(XElement e) =>
        new(e, e.Name.LocalName, e.Attr("type"), e.Attr("model"), DeviceAddress.From(e.Element("address")));

    private static List<T> Each<T>(XElement? devices, string name, Func<XElement, T> read) =>
        devices?.Elements(name).Select(read).ToList() ?? [];

    private static long ReadMemory(XElement? e, List<string> problems)
    {
        if (e is null) return 0;
        try { return MemorySize.ToKiB(e.Value, e.Attr("unit"), SafeXml.Where(e)); }
        catch (VireoException ex) { problems.Add(ex.Message); return 0; }
    }

    private static int? ReadInt(XElement e, string text, List<string> problems)
    {
        var t = text.Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            int.TryParse(t.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out var hex))
            return hex;
        if (int.TryParse(t, out var n)) return n;
        problems.Add($"{SafeXml.Where(e)}: '{text}' is not a valid integer");
        return null;
    }

    private static int? ReadBootOrder(XElement e, List<string> problems) =>
        e.ChildAttr("boot", "order") is { } o ? ReadInt(e.Element("boot")!, o, problems) : null;

    private static OsDef ReadOs(XElement? os, List<string> problems)
    {
        var type = os?.Element("type");
        var loader = os?.Element("loader");
        var menu = os?.Element("bootmenu");
        int? timeout = menu.Attr("timeout") is { } t ? ReadInt(menu!, t, problems) : null;
        return new OsDef(type?.Value.Trim() ?? "hvm", type.Attr("arch"), type.Attr("machine"),
            os?.Elements("boot").Select(b => b.Attr("dev") ?? "").ToList() ?? [],
            os.ChildText("kernel"), os.ChildText("initrd"), os.ChildText("cmdline"),
            loader?.Value.Trim() is { Length: > 0 } l ? l : null, loader.Attr("readonly") == "yes", loader.Attr("type"),
            os.ChildText("nvram")?.Trim() is { Length: > 0 } nv ? nv : null,
            menu is null ? null : menu.Attr("enable") == "yes", timeout, os.Attr("firmware"));
    }

    private static CpuDef? ReadCpu(XElement? cpu, List<string> problems)
    {
        if (cpu is null) return null;
        var topo = cpu.Element("topology");
        int? T(string name) => topo.Attr(name) is { } v ? ReadInt(topo!, v, problems) : null;
        return new CpuDef(cpu.Attr("mode"), cpu.Element("model")?.Value.Trim(), cpu.Attr("check"),
            T("sockets"), T("dies"), T("cores"), T("threads"),
            cpu.Elements("feature").Select(f => (f.Attr("policy") ?? "require", f.Attr("name") ?? "")).ToList());
    }

    private static DiskDef ReadDisk(XElement e, List<string> problems)
    {
        var driver = e.Element("driver");
        var src = e.Element("source");
        var source = src is null ? null : new DiskSource(src.Attr("file"), src.Attr("dev"), src.Attr("dir"),
            src.Attr("protocol"), src.Attr("name"),
            src.Elements("host").Select(h => (h.Attr("name") ?? h.Attr("socket") ?? "", h.Attr("port"))).ToList(),
            src.Attr("pool"), src.Attr("volume"));
        var target = e.Element("target");
        return new DiskDef(e, e.Attr("type") ?? "file", e.Attr("device") ?? "disk", driver.Attr("name"), driver.Attr("type"),
            driver.Attr("cache"), driver.Attr("io"), driver.Attr("discard"), source, target.Attr("dev"), target.Attr("bus"),
            e.Element("readonly") is not null, e.Element("shareable") is not null, ReadBootOrder(e, problems),
            e.ChildText("serial"), DeviceAddress.From(e.Element("address")), ReadDiskAuth(e.Element("auth") ?? src?.Element("auth"), problems));
    }

    private static DiskAuth? ReadDiskAuth(XElement? auth, List<string> problems)
    {
        if (auth is null) return null;
        var secret = auth.Element("secret");
        Guid? uuid = null;
        if (secret.Attr("uuid") is { } u)
        {
            if (Guid.TryParse(u, out var g)) uuid = g;
            else problems.Add($"{SafeXml.Where(secret!)}: '{u}' is not a valid secret UUID");
        }
        if (auth.Attr("username") is not { Length: > 0 } user) problems.Add($"{SafeXml.Where(auth)}: missing the 'username' attribute");
        if (secret is null || (uuid is null && secret.Attr("usage") is null)) problems.Add($"{SafeXml.Where(auth)}: needs <secret uuid='...'/> or <secret usage='...'/>");
        return new DiskAuth(auth.Attr("username") ?? "", secret.Attr("type"), uuid, secret.Attr("usage"));
    }

    private static CharDevDef ReadCharDev(XElement e, List<string> problems)
    {
        var src = e.Elements("source").FirstOrDefault(s => s.Attr("mode") != "connect") ?? e.Element("source");
        var target = e.Element("target");
        int? port = target.Attr("port") is { } p ? ReadInt(target!, p, problems) : null;
        return new CharDevDef(e, e.Name.LocalName, e.Attr("type") ?? "pty", src.Attr("path"), src.Attr("mode"),
            src.Attr("host"), src.Attr("service"), e.ChildAttr("protocol", "type"), target.Attr("type"), port,
            target.Attr("name"), DeviceAddress.From(e.Element("address")));
    }

    private static GraphicsDef ReadGraphics(XElement e, List<string> problems)
    {
        int? port = e.Attr("port") is { } p ? ReadInt(e, p, problems) : null;
        var autoport = e.Attr("autoport") == "yes" || (e.Attr("autoport") is null && (port is null || port == -1));
        var listen = e.Attr("listen") ?? e.Elements("listen").FirstOrDefault(l => l.Attr("type") == "address").Attr("address");
        return new GraphicsDef(e, e.Attr("type") ?? "", port, autoport, listen, e.Attr("passwd"));
    }
}
