using System.Xml.Linq;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

public static partial class DomainValidator
{
    private static void CheckDisks(DomainDefinition d, List<string> problems)
    {
        var targets = new Dictionary<string, DiskDef>();
        var drives = new Dictionary<string, DiskDef>();
        foreach (var disk in d.Disks)
        {
            if (disk.TargetDev is null)
            {
                problems.Add($"{SafeXml.Where(disk.Element)}: missing <target dev=...>");
                continue;
            }
            if (!targets.TryAdd(disk.TargetDev, disk))
                problems.Add($"{SafeXml.Where(disk.Element)}: target '{disk.TargetDev}' is already used by {SafeXml.Where(targets[disk.TargetDev].Element)}");
            if (disk.Type is not ("file" or "block" or "dir" or "network" or "volume" or "nvme" or "vhostuser"))
                problems.Add($"{SafeXml.Where(disk.Element)}: unknown disk type '{disk.Type}'");
            if (disk.Device is not ("disk" or "cdrom" or "floppy" or "lun"))
                problems.Add($"{SafeXml.Where(disk.Element)}: unknown disk device '{disk.Device}'");
            var bus = disk.TargetBus ?? DiskBus.Guess(disk.TargetDev);
            if (DiskBus.DriveAddress(disk, bus) is { } key && !drives.TryAdd($"{bus}:{key}", disk))
                problems.Add($"{SafeXml.Where(disk.Element)}: drive address {key} on the {bus} bus conflicts with {SafeXml.Where(drives[$"{bus}:{key}"].Element)}");
        }
    }

    /// <summary>libvirt's macvtap modes (&lt;source mode=...&gt; of a direct NIC, forward modes of a direct network).</summary>
    public static readonly IReadOnlyList<string> MacvtapModes = ["vepa", "bridge", "private", "passthrough"];

    /// <summary>A direct (macvtap) NIC names its host interface and one of macvlan's four modes; only ethernet NICs run a script.</summary>
    private static void CheckInterfaces(DomainDefinition d, List<string> problems)
    {
        foreach (var nic in d.Interfaces.Where(n => n.Type != "ethernet" && n.Element.Element("script") is not null))
            problems.Add($"{SafeXml.Where(nic.Element)}: scripts are not supported on interfaces of type {nic.Type} (only on type ethernet)");
        foreach (var nic in d.Interfaces.Where(n => n.Type == "direct"))
        {
            if (nic.SourceDev is null)
                problems.Add($"{SafeXml.Where(nic.Element)}: type 'direct' needs <source dev='HOST-INTERFACE' mode='...'/>");
            if (nic.Element.Element("source")?.Attr("mode") is { } mode && !MacvtapModes.Contains(mode))
                problems.Add($"{SafeXml.Where(nic.Element)}: unknown macvtap mode '{mode}' (known: {string.Join(", ", MacvtapModes)})");
        }
    }

    private static void CheckCharDevs(DomainDefinition d, List<string> problems)
    {
        foreach (var c in d.Serials.Concat(d.Consoles).Concat(d.Channels)
                     .Concat(d.Xml.Elements("devices").Elements("parallel").Select(e => new CharDevDef(e, "parallel", e.Attr("type") ?? "", e.ChildAttr("source", "path"), null, null, null, null, null, null, null, null))))
        {
            if (c.Type is "unix" && c.SourcePath is null && c.Element.Element("source")?.Attr("mode") != "bind" && c.Kind != "channel")
                problems.Add($"{SafeXml.Where(c.Element)}: type 'unix' needs <source path=...>");
            if (c.Type is "file" or "pipe" or "dev" && c.SourcePath is null && c.Kind != "console")
                problems.Add($"{SafeXml.Where(c.Element)}: type '{c.Type}' needs <source path=...>");
            foreach (var r in c.Element.Elements("source").Elements("reconnect"))
                if (r.Attr("enabled") == "yes" && (r.Attr("timeout") is not { } t || !int.TryParse(t, out var n) || n <= 0))
                    problems.Add($"{SafeXml.Where(r)}: reconnect timeout must be a positive number of seconds, not '{r.Attr("timeout")}'");
        }
    }

    private static void CheckAddresses(DomainDefinition d, List<string> problems)
    {
        foreach (var a in d.Xml.Elements("devices").Elements().Elements("address").Where(a => a.Attr("type") == "pci"))
        {
            var slot = Hex(a.Attr("slot"));
            var fn = Hex(a.Attr("function"));
            var bus = Hex(a.Attr("bus"));
            if (slot < 0 || slot > 0x1f) problems.Add($"{SafeXml.Where(a)}: PCI slot {a.Attr("slot")} is out of range (maximum 0x1f)");
            if (fn < 0 || fn > 7) problems.Add($"{SafeXml.Where(a)}: PCI function {a.Attr("function")} is out of range (maximum 0x7)");
            if (bus < 0 || bus > 0xff) problems.Add($"{SafeXml.Where(a)}: PCI bus {a.Attr("bus")} is out of range (maximum 0xff)");
        }
    }
}

/// <summary>Disk bus rules shared by validation and the QEMU driver.</summary>
public static class DiskBus
{
    /// <summary>libvirt's default bus from a target name prefix.</summary>
    public static string Guess(string dev) => dev switch
    {
        _ when dev.StartsWith("vd") => "virtio",
        _ when dev.StartsWith("sd") => "scsi",
        _ when dev.StartsWith("hd") => "ide",
        _ when dev.StartsWith("fd") => "fdc",
        _ when dev.StartsWith("nvme") => "nvme",
        _ when dev.StartsWith("xvd") => "xen",
        _ => "virtio",
    };

    /// <summary>"vda" -> 0, "sdb" -> 1, "sdaa" -> 26, as libvirt's virDiskNameToIndex.</summary>
    public static int Index(string dev)
    {
        var prefix = dev.StartsWith("xvd") ? 3 : dev.StartsWith("nvme") ? 4 : 2;
        var letters = dev[Math.Min(prefix, dev.Length)..];
        var idx = 0;
        foreach (var c in letters.TakeWhile(char.IsAsciiLetterLower))
            idx = idx * 26 + (c - 'a' + 1);
        return Math.Max(0, idx - 1);
    }

    /// <summary>The drive address (controller:bus:target:unit) a disk occupies, explicit or derived from its target.</summary>
    public static string? DriveAddress(DiskDef disk, string bus)
    {
        if (bus is not ("ide" or "sata" or "scsi" or "fdc")) return null;
        if (disk.Address is { Type: "drive" } a)
            return $"{a["controller"] ?? "0"}:{a["bus"] ?? "0"}:{a["target"] ?? "0"}:{a["unit"] ?? "0"}";
        var i = Index(disk.TargetDev!);
        return bus switch
        {
            "ide" => $"{i / 4}:{i % 4 / 2}:0:{i % 2}",
            "sata" => $"{i / 6}:0:0:{i % 6}",
            "scsi" => $"{i / 7}:0:0:{i % 7}",
            _ => $"0:0:0:{i}",
        };
    }
}
