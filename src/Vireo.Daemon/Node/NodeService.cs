using System.Xml.Linq;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Xml;
using Vireo.Host.Facts;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Node;

/// <summary>
/// The host as virsh's node commands show it: nodeinfo, nodememstats, nodecpustats, freecell, sysinfo,
/// and the capabilities and domcapabilities documents, which describe what this host and this build of
/// Vireo can run (the QEMU binary's machines and CPU models come from a QMP probe, made once).
/// </summary>
public sealed class NodeService(KvmSupport kvm)
{
    public NodeFacts Facts { get; set; } = new();
    public string Emulator { get; set; } = QemuLauncher.FindOnPath("qemu-system-x86_64") ?? "/usr/bin/qemu-system-x86_64";
    private Task<QemuCapabilities>? _caps;
    private readonly object _lock = new();

    public Task<QemuCapabilities> CapabilitiesAsync()
    {
        lock (_lock)
        {
            if (_caps is null || _caps.IsFaulted) _caps = QemuCapabilities.ProbeAsync(Emulator);
            return _caps;
        }
    }

    public NodeInfo Info()
    {
        var t = Facts.Topology();
        return new NodeInfo
        {
            CpuModel = t.Arch, Cpus = t.Cpus, Mhz = t.Mhz, Sockets = t.Sockets, CoresPerSocket = t.CoresPerSocket, ThreadsPerCore = t.ThreadsPerCore,
            NumaCells = t.NumaCells, MemoryKiB = t.MemoryKiB,
        };
    }

    public List<NodeStat> MemStats(int? cell) => Wrap(() => Facts.MemStats(cell)).Select(s => new NodeStat { Name = s.Name, Value = s.KiB }).ToList();
    public List<NodeStat> CpuStats(int? cpu) => Wrap(() => Facts.CpuStats(cpu)).Select(s => new NodeStat { Name = s.Name, Value = s.Ns }).ToList();
    public List<FreeCell> FreeCells() => Facts.FreeCells().Select(c => new FreeCell { Cell = c.Cell, FreeKiB = c.FreeKiB }).ToList();
    public string SysInfo() => SafeXml.Format(Facts.SysInfo());

    private static T Wrap<T>(Func<T> f)
    {
        try { return f(); }
        catch (ArgumentException e) { throw new VireoException(ErrorCode.InvalidArgument, e.Message); }
    }

    /// <summary>maxvcpus: what the default machine takes with TCG, or what KVM allows (KVM_CAP_MAX_VCPUS).</summary>
    public async Task<int> MaxVcpusAsync(string? type)
    {
        switch (type ?? (kvm.Usable ? "kvm" : "qemu"))
        {
            case "kvm" when !kvm.Usable:
                throw new VireoException(ErrorCode.OperationInvalid, $"KVM is not usable on this host: {kvm.Reason}");
            case "kvm":
                return Host.Interop.Kvm.MaxVcpus() ?? throw new VireoException(ErrorCode.OperationFailed, "cannot ask /dev/kvm for KVM_CAP_MAX_VCPUS");
            case "qemu":
                var caps = await CapabilitiesAsync();
                return (caps.Machines.FirstOrDefault(m => m.IsDefault) ?? caps.Machines.First()).MaxCpus;
            default:
                throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: unknown virt type '{type}' (kvm or qemu)");
        }
    }

    public async Task<string> CapabilitiesXmlAsync()
    {
        var caps = await CapabilitiesAsync();
        var t = Facts.Topology();
        var flags = Facts.CpuFlags();
        var host = new XElement("host");
        if (File.Exists("/etc/machine-id") && Guid.TryParse(File.ReadAllText("/etc/machine-id").Trim(), out var id)) host.Add(new XElement("uuid", id));
        var cpu = new XElement("cpu", new XElement("arch", t.Arch));
        if (Facts.CpuVendor() is { } vendor) cpu.Add(new XElement("vendor", vendor));
        cpu.Add(new XElement("topology", new XAttribute("sockets", t.Sockets), new XAttribute("dies", 1), new XAttribute("cores", t.CoresPerSocket), new XAttribute("threads", t.ThreadsPerCore)));
        foreach (var f in flags.Order(StringComparer.Ordinal)) cpu.Add(new XElement("feature", new XAttribute("name", f)));
        cpu.Add(new XElement("pages", new XAttribute("unit", "KiB"), new XAttribute("size", 4)), new XElement("pages", new XAttribute("unit", "KiB"), new XAttribute("size", 2048)));
        host.Add(cpu);
        host.Add(new XElement("iommu", new XAttribute("support", Directory.Exists("/sys/kernel/iommu_groups") && Directory.EnumerateDirectories("/sys/kernel/iommu_groups").Any() ? "yes" : "no")));
        var cells = new XElement("cells", new XAttribute("num", Facts.Cells().Count));
        foreach (var c in Facts.FreeCells())
            cells.Add(new XElement("cell", new XAttribute("id", c.Cell),
                new XElement("memory", new XAttribute("unit", "KiB"), Facts.MemStats(c.Cell).First(s => s.Name == "total").KiB)));
        host.Add(new XElement("topology", cells));
        var arch = new XElement("arch", new XAttribute("name", t.Arch), new XElement("wordsize", 64), new XElement("emulator", caps.Binary));
        foreach (var m in caps.Machines.Where(m => m.Name != "none"))
        {
            arch.Add(new XElement("machine", new XAttribute("maxCpus", m.MaxCpus), m.Name));
            if (m.Alias is { } alias) arch.Add(new XElement("machine", new XAttribute("canonical", m.Name), new XAttribute("maxCpus", m.MaxCpus), alias));
        }
        arch.Add(new XElement("domain", new XAttribute("type", "qemu")));
        if (kvm.Usable) arch.Add(new XElement("domain", new XAttribute("type", "kvm")));
        var guest = new XElement("guest", new XElement("os_type", "hvm"), arch,
            new XElement("features", new XElement("acpi", new XAttribute("default", "on"), new XAttribute("toggle", "yes")),
                new XElement("apic", new XAttribute("default", "on"), new XAttribute("toggle", "no")), new XElement("cpuselection"), new XElement("deviceboot")));
        return SafeXml.Format(new XElement("capabilities", host, guest));
    }

    public async Task<string> DomainCapabilitiesXmlAsync(string? virtType, string? emulator, string? arch, string? machine)
    {
        var caps = await CapabilitiesAsync();
        if (emulator is not null && emulator != caps.Binary)
            throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: emulator '{emulator}' is not {caps.Binary}, the one Vireo runs");
        if (arch is not null && arch != "x86_64") throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: architecture '{arch}' is not supported (x86_64 is)");
        var type = virtType ?? (kvm.Usable ? "kvm" : "qemu");
        if (type == "kvm" && !kvm.Usable) throw new VireoException(ErrorCode.OperationInvalid, $"KVM is not usable on this host: {kvm.Reason}");
        if (type is not ("kvm" or "qemu")) throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: virttype '{type}' (kvm or qemu)");
        var m = machine is null ? caps.Machines.FirstOrDefault(x => x.IsDefault) ?? caps.Machines.First() : caps.Find(machine)
            ?? throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: the machine '{machine}' is not supported by emulator '{caps.Binary}'");
        static XElement Enum(string name, params string[] values) => new("enum", new XAttribute("name", name), values.Select(v => new XElement("value", v)));
        var ovmf = Directory.Exists("/usr/share/OVMF") ? Directory.GetFiles("/usr/share/OVMF", "OVMF_CODE*.fd").Order().ToArray() : [];
        var loader = new XElement("loader", new XAttribute("supported", "yes"), ovmf.Select(f => new XElement("value", f)),
            Enum("type", "rom", "pflash"), Enum("readonly", "yes", "no"));
        var os = new XElement("os", new XAttribute("supported", "yes"), ovmf.Length > 0 ? Enum("firmware", "efi") : Enum("firmware"), loader);
        var cpu = new XElement("cpu",
            new XElement("mode", new XAttribute("name", "host-passthrough"), new XAttribute("supported", type == "kvm" ? "yes" : "no")),
            new XElement("mode", new XAttribute("name", "maximum"), new XAttribute("supported", "yes")),
            new XElement("mode", new XAttribute("name", "host-model"), new XAttribute("supported", "yes")),
            new XElement("mode", new XAttribute("name", "custom"), new XAttribute("supported", "yes"),
                caps.CpuModels.Select(c => new XElement("model", new XAttribute("usable", "yes"), c))));
        var devices = new XElement("devices",
            new XElement("disk", new XAttribute("supported", "yes"), Enum("diskDevice", "disk", "cdrom", "floppy", "lun"),
                Enum("bus", "ide", "fdc", "scsi", "virtio", "usb", "sata", "nvme"), Enum("model", "virtio")),
            new XElement("graphics", new XAttribute("supported", "yes"), Enum("type", "vnc", "spice")),
            new XElement("video", new XAttribute("supported", "yes"), Enum("modelType", "vga", "cirrus", "qxl", "virtio", "bochs", "ramfb", "none")),
            new XElement("hostdev", new XAttribute("supported", "yes"), Enum("mode", "subsystem"), Enum("startupPolicy"), Enum("subsysType", "pci"),
                Enum("capsType"), Enum("pciBackend", "vfio")),
            new XElement("rng", new XAttribute("supported", "yes"), Enum("model", "virtio"), Enum("backendModel", "random", "egd", "builtin")),
            new XElement("filesystem", new XAttribute("supported", "no")),
            new XElement("tpm", new XAttribute("supported", "no")),
            new XElement("redirdev", new XAttribute("supported", "no")));
        var doc = new XElement("domainCapabilities", new XElement("path", caps.Binary), new XElement("domain", type), new XElement("machine", m.Name),
            new XElement("arch", "x86_64"), new XElement("vcpu", new XAttribute("max", m.MaxCpus)), new XElement("iothreads", new XAttribute("supported", "no")),
            os, cpu, devices,
            new XElement("features", new XElement("gic", new XAttribute("supported", "no")), new XElement("vmcoreinfo", new XAttribute("supported", "no")),
                new XElement("genid", new XAttribute("supported", "no")), new XElement("sev", new XAttribute("supported", "no"))));
        return SafeXml.Format(doc);
    }
}
