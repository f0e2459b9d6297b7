using System.Xml.Linq;
using Vireo.Contracts;
using Vireo.Core.OsInfo;

namespace Vireo.Daemon.Install;

/// <summary>A disk of the new domain, resolved: where it is, what it is, which bus.</summary>
public sealed record PlannedDisk(string Type, string Device, string Source, string Format, string Bus, string Target, string? Cache,
    string? Pool = null, string? Volume = null);

/// <summary>
/// Builds the domain XML virt-install would write for the request: the definition the domain keeps,
/// and the one-time install configuration (installer kernel, install media, cloud-init seed, and
/// on_reboot=destroy so the end of the installation stops the guest).
/// </summary>
public static class InstallXml
{
    public static XElement Final(InstallRequest r, OsInfo? os, string virtType, string machine, long memoryMiB, int vcpus,
        IReadOnlyList<PlannedDisk> disks, string? emulator, bool networkDefaultExists, string bootDev)
    {
        var q35 = machine.Contains("q35");
        var d = new XElement("domain", new XAttribute("type", virtType), new XElement("name", r.Name));
        if (os is not null)
            d.Add(new XElement("metadata", new XElement(Lib + "libosinfo", new XAttribute(XNamespace.Xmlns + "libosinfo", Lib.NamespaceName),
                new XElement(Lib + "os", new XAttribute("id", os.Id)))));
        d.Add(new XElement("memory", new XAttribute("unit", "KiB"), memoryMiB * 1024),
            new XElement("currentMemory", new XAttribute("unit", "KiB"), memoryMiB * 1024));
        var vcpu = new XElement("vcpu", r.MaxVcpus ?? vcpus);
        if (r.MaxVcpus is { } max && max > vcpus) vcpu.SetAttributeValue("current", vcpus);
        d.Add(vcpu);
        var osEl = new XElement("os", new XElement("type", new XAttribute("arch", r.Arch ?? "x86_64"), new XAttribute("machine", machine), "hvm"));
        if (r.Boot?.Split(',').Contains("uefi") == true) osEl.SetAttributeValue("firmware", "efi");
        if (BootArg(r.Boot, "kernel") is { } kernel)
        {
            osEl.Add(new XElement("kernel", kernel));
            if (BootArg(r.Boot, "initrd") is { } initrd) osEl.Add(new XElement("initrd", initrd));
            if (BootArg(r.Boot, "kernel_args") is { } args) osEl.Add(new XElement("cmdline", args));
        }
        else osEl.Add(new XElement("boot", new XAttribute("dev", bootDev)));
        d.Add(osEl);
        d.Add(new XElement("features", new XElement("acpi"), new XElement("apic")));
        if (r.Cpu is { } cpu && cpu != "none") d.Add(CpuElement(cpu, r));
        else if (virtType == "kvm") d.Add(CpuElement("host-passthrough", r));
        else if (r.Sockets is not null || r.Cores is not null || r.Threads is not null) d.Add(CpuElement(null, r));
        d.Add(new XElement("clock", new XAttribute("offset", "utc"),
            new XElement("timer", new XAttribute("name", "rtc"), new XAttribute("tickpolicy", "catchup")),
            new XElement("timer", new XAttribute("name", "pit"), new XAttribute("tickpolicy", "delay")),
            new XElement("timer", new XAttribute("name", "hpet"), new XAttribute("present", "no"))));
        var dev = new XElement("devices");
        if (emulator is not null) dev.Add(new XElement("emulator", emulator));
        foreach (var disk in disks) dev.Add(DiskElement(disk));
        foreach (var nic in Nics(r, networkDefaultExists))
        {
            var i = new XElement("interface", new XAttribute("type", nic.Kind));
            if (nic.Mac is { } mac) i.Add(new XElement("mac", new XAttribute("address", mac)));
            if (nic.Kind != "user") i.Add(new XElement("source", new XAttribute(nic.Kind, nic.Source!)));
            i.Add(new XElement("model", new XAttribute("type", nic.Model ?? os?.NicModel(q35) ?? "virtio")));
            dev.Add(i);
        }
        dev.Add(new XElement("serial", new XAttribute("type", "pty"), new XElement("target", new XAttribute("port", 0))),
            new XElement("console", new XAttribute("type", "pty"), new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", 0))));
        dev.Add(new XElement("channel", new XAttribute("type", "unix"),
            new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", "org.qemu.guest_agent.0"))));
        var graphics = r.Graphics ?? "vnc";
        if (graphics != "none")
        {
            dev.Add(new XElement("controller", new XAttribute("type", "usb"), new XAttribute("model", "qemu-xhci")));
            dev.Add(new XElement("input", new XAttribute("type", "tablet"), new XAttribute("bus", "usb")));
            var g = new XElement("graphics", new XAttribute("type", graphics));
            if (r.GraphicsPort is { } port) g.SetAttributeValue("port", port);
            else g.SetAttributeValue("autoport", "yes");
            if (r.GraphicsListen is { } listen) g.SetAttributeValue("listen", listen);
            if (r.GraphicsPassword is { } pw) g.SetAttributeValue("passwd", pw);
            dev.Add(g);
            dev.Add(new XElement("video", new XElement("model", new XAttribute("type", "virtio"))));
        }
        dev.Add(new XElement("memballoon", new XAttribute("model", "virtio")));
        dev.Add(new XElement("rng", new XAttribute("model", "virtio"), new XElement("backend", new XAttribute("model", "random"), "/dev/urandom")));
        d.Add(dev);
        return d;
    }

    private static readonly XNamespace Lib = "http://libosinfo.org/xmlns/libvirt/domain/1.0";

    /// <summary>The install configuration: the final one plus what the first boot needs.</summary>
    public static XElement Install(XElement final, string? kernel, string? initrd, string? cmdline, string bootDev, IEnumerable<PlannedDisk> media)
    {
        var x = new XElement(final);
        var os = x.Element("os")!;
        os.Elements("boot").Remove();
        if (kernel is not null)
        {
            os.Add(new XElement("kernel", kernel));
            if (initrd is not null) os.Add(new XElement("initrd", initrd));
            if (!string.IsNullOrWhiteSpace(cmdline)) os.Add(new XElement("cmdline", cmdline));
        }
        else os.Add(new XElement("boot", new XAttribute("dev", bootDev)));
        var devices = x.Element("devices")!;
        var lastDisk = devices.Elements("disk").LastOrDefault();
        foreach (var m in media)
        {
            if (lastDisk is null) devices.AddFirst(DiskElement(m)); else lastDisk.AddAfterSelf(DiskElement(m));
            lastDisk = devices.Elements("disk").Last();
        }
        x.Element("clock")!.AddAfterSelf(new XElement("on_reboot", "destroy"));
        return x;
    }

    public static XElement DiskElement(PlannedDisk d)
    {
        var e = new XElement("disk", new XAttribute("type", d.Type), new XAttribute("device", d.Device),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", d.Format)));
        if (d.Cache is { } cache) e.Element("driver")!.SetAttributeValue("cache", cache);
        e.Add(d.Type == "volume"
            ? new XElement("source", new XAttribute("pool", d.Pool!), new XAttribute("volume", d.Volume!))
            : new XElement("source", new XAttribute(d.Type == "block" ? "dev" : "file", d.Source)));
        e.Add(new XElement("target", new XAttribute("dev", d.Target), new XAttribute("bus", d.Bus)));
        if (d.Device == "cdrom") e.Add(new XElement("readonly"));
        return e;
    }

    private static XElement CpuElement(string? mode, InstallRequest r)
    {
        var cpu = new XElement("cpu");
        if (mode is "host-passthrough" or "host-model" or "maximum") cpu.SetAttributeValue("mode", mode);
        else if (mode is not null) { cpu.SetAttributeValue("mode", "custom"); cpu.Add(new XElement("model", mode)); }
        if (r.Sockets is not null || r.Cores is not null || r.Threads is not null)
            cpu.Add(new XElement("topology", new XAttribute("sockets", r.Sockets ?? 1), new XAttribute("dies", 1),
                new XAttribute("cores", r.Cores ?? 1), new XAttribute("threads", r.Threads ?? 1)));
        return cpu;
    }

    /// <summary>The NICs: as asked; with no --network, the default network if it exists, else user networking.</summary>
    public static IReadOnlyList<InstallNic> Nics(InstallRequest r, bool networkDefaultExists) =>
        r.Networks ?? [networkDefaultExists ? new InstallNic { Kind = "network", Source = "default" } : new InstallNic { Kind = "user" }];

    public static string? BootArg(string? boot, string key) =>
        boot?.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0] == key).Select(p => p[1]).FirstOrDefault();
}
