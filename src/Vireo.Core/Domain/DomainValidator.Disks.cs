using System.Xml.Linq;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

public static partial class DomainValidator
{
    /// <summary>Formats QEMU can open for a disk; libvirt's storage-only formats (cow, dir, iso...) are refused.</summary>
    private static readonly string[] DiskFormats =
        ["raw", "qcow2", "qcow", "qed", "vmdk", "vpc", "vdi", "vhdx", "bochs", "cloop", "dmg", "parallels", "luks", "fat", "aio", "tap", "none"];

    private static readonly string[] X86OnlyTimers = ["pit", "hpet", "kvmclock", "hypervclock", "tsc"];

    /// <summary>Per-disk rules from libvirt's qemu validation: formats, sharing, auth/encryption placement, lun, addresses, vendor/product; then every host path.</summary>
    private static void CheckDiskDetails(DomainDefinition d, List<string> problems)
    {
        foreach (var disk in d.Disks)
        {
            var e = disk.Element;
            var where = SafeXml.Where(e);
            var format = disk.DriverType;
            if (format is not null && !DiskFormats.Contains(format))
                problems.Add($"{where}: unsupported disk driver format '{format}'");
            if (disk.Shareable && format is not (null or "raw") && !disk.ReadOnly)
                problems.Add($"{where}: shared access for disk '{disk.TargetDev}' requires a raw image (found '{format}')");
            if (e.Element("auth") is not null && e.Element("source")?.Element("auth") is not null)
                problems.Add($"{where}: an <auth> definition is given both for the disk and for its <source>");
            if (e.Element("encryption") is not null && e.Element("source")?.Element("encryption") is not null)
                problems.Add($"{where}: an <encryption> definition is given both for the disk and for its <source>");
            if (disk.Device == "lun" && disk.Type is not ("block" or "network" or "volume"))
                problems.Add($"{where}: disk device='lun' is only valid for block, network or volume disks, not '{disk.Type}'");
            var bus = disk.TargetBus ?? (disk.TargetDev is { } dev ? DiskBus.Guess(dev) : null);
            if (disk.Address is { } a && bus is not null)
            {
                var expected = bus switch
                {
                    "ide" or "sata" or "scsi" or "fdc" => "drive",
                    "usb" => "usb",
                    "virtio" => null, // pci, ccw or mmio depending on the machine
                    _ => null,
                };
                if (expected is not null && a.Type != expected)
                    problems.Add($"{where}: address type '{a.Type}' is not valid for a disk on the '{bus}' bus (expected '{expected}')");
            }
            var vendor = e.Element("vendor")?.Value;
            var product = e.Element("product")?.Value;
            if ((vendor is not null || product is not null) && bus != "scsi")
                problems.Add($"{where}: only SCSI disks support <vendor> and <product>");
            if (vendor is { Length: > 8 }) problems.Add($"{where}: disk vendor '{vendor}' is longer than 8 characters");
            if (product is { Length: > 16 }) problems.Add($"{where}: disk product '{product}' is longer than 16 characters");
        }
        CheckHostPaths(d, problems);
    }

    /// <summary>Hugepage nodesets must name existing NUMA cells; x86 timers need an x86 guest.</summary>
    private static void CheckMemoryAndTimers(DomainDefinition d, List<string> problems)
    {
        var cells = d.Xml.Elements("cpu").Elements("numa").Elements("cell").Select(c => c.Attr("id")).Where(i => i is not null).ToHashSet();
        foreach (var page in d.Xml.Elements("memoryBacking").Elements("hugepages").Elements("page"))
        {
            if (page.Attr("nodeset") is not { } nodeset || !CpuList.IsValid(nodeset)) continue;
            foreach (var node in ExpandList(nodeset))
                if (!cells.Contains(node.ToString()))
                    problems.Add($"{SafeXml.Where(page)}: hugepages nodeset '{nodeset}' names NUMA node {node}, which does not exist");
        }
        var arch = d.Os.Arch;
        if (arch is not (null or "x86_64" or "i686"))
            foreach (var t in d.Xml.Elements("clock").Elements("timer"))
                if (X86OnlyTimers.Contains(t.Attr("name")))
                    problems.Add($"{SafeXml.Where(t)}: the '{t.Attr("name")}' timer is only available for x86 guests, not arch '{arch}'");
    }

    private static IEnumerable<int> ExpandList(string list)
    {
        var include = new SortedSet<int>();
        var exclude = new HashSet<int>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var neg = part.StartsWith('^');
            var range = part.TrimStart('^').Split('-');
            var lo = int.Parse(range[0]);
            var hi = range.Length > 1 ? int.Parse(range[1]) : lo;
            for (var i = lo; i <= hi && i - lo < 4096; i++) (neg ? (ICollection<int>)exclude : include).Add(i);
        }
        return include.Where(i => !exclude.Contains(i));
    }
}
