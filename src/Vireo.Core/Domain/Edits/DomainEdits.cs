using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain.Edits;

/// <summary>
/// Pure changes to definitions: each returns a new, checked definition and leaves its input alone, so a
/// caller validates the live and the persistent result before changing anything.
/// </summary>
public static class DomainEdits
{
    /// <summary>The device XML attach, detach and update take; only disks and interfaces are supported.</summary>
    public static XElement ParseDevice(string xml)
    {
        var el = SafeXml.Parse(xml, "device XML").Root!;
        if (el.Name.LocalName is not ("disk" or "interface"))
            throw new VireoException(ErrorCode.NotSupported, $"device <{el.Name.LocalName}> cannot be attached or detached yet: only <disk> and <interface> are supported");
        return el;
    }

    /// <summary>The definition with one more device, validated as a whole (duplicate targets, addresses, ...).</summary>
    public static DomainDefinition WithDevice(DomainDefinition def, XElement device)
    {
        var x = new XElement(def.Xml);
        var devices = x.Element("devices") ?? new XElement("devices");
        if (devices.Parent is null) x.Add(devices);
        var added = new XElement(device);
        if (added.Name.LocalName == "disk")
        {
            DomainDefaults.NameDiskBus(added); // the live XML names the bus it chose too, as libvirt's does
            InsertDisk(devices, added);
        }
        else devices.Add(added);
        return DomainDefinition.FromTree(x);
    }

    public static DomainDefinition WithoutDisk(DomainDefinition def, string target) =>
        Without(def, x => x.Element("devices")!.Elements("disk").First(d => d.Element("target")?.Attr("dev") == target));

    public static DomainDefinition WithoutInterface(DomainDefinition def, string mac) =>
        Without(def, x => x.Element("devices")!.Elements("interface")
            .First(i => string.Equals(i.Element("mac")?.Attribute("address")?.Value, mac, StringComparison.OrdinalIgnoreCase)));

    /// <summary>update-device: the disk with this target replaced by <paramref name="device"/> (a cdrom's or floppy's new medium).</summary>
    public static DomainDefinition WithDiskReplaced(DomainDefinition def, string target, XElement device, string domain)
    {
        var old = FindDisk(def, target, domain);
        if (!old.IsCdrom && old.Device != "floppy")
            throw new VireoException(ErrorCode.NotSupported, $"only the media of a cdrom or floppy can be changed; '{target}' is a {old.Device}");
        var x = new XElement(def.Xml);
        x.Element("devices")!.Elements("disk").First(d => d.Element("target")?.Attr("dev") == target).ReplaceWith(new XElement(device));
        return DomainDefinition.FromTree(x);
    }

    /// <summary>A disk by target (vdb) or source path, as detach-disk and domblkinfo name them.</summary>
    public static DiskDef FindDisk(DomainDefinition def, string targetOrSource, string domain) =>
        def.Disks.FirstOrDefault(d => d.TargetDev == targetOrSource)
        ?? def.Disks.FirstOrDefault(d => (d.Source?.File ?? d.Source?.Dev) == targetOrSource)
        ?? throw new VireoException(ErrorCode.OperationFailed, $"No disk found whose source path or target is {targetOrSource} (domain '{domain}')");

    /// <summary>
    /// NIC aliases as libvirt gives them: net&lt;i&gt; for the i-th NIC (QEMU's ids are made from them, so
    /// unplugging one NIC never shifts another's), the next free one for a NIC added later.
    /// </summary>
    public static void AssignNicAliases(DomainDefinition live)
    {
        var nics = live.Interfaces.ToList();
        var used = nics.Select(n => n.Element.Element("alias")?.Attribute("name")?.Value).Where(a => a is not null).ToHashSet();
        for (var i = 0; i < nics.Count; i++)
        {
            if (nics[i].Element.Element("alias") is not null) continue;
            var k = used.Contains($"net{i}") ? Enumerable.Range(0, 1000).First(j => !used.Contains($"net{j}")) : i;
            used.Add($"net{k}");
            nics[i].Element.Add(new XElement("alias", new XAttribute("name", $"net{k}")));
        }
    }

    private static DomainDefinition Without(DomainDefinition def, Func<XElement, XElement> find)
    {
        var x = new XElement(def.Xml);
        find(x).Remove();
        return DomainDefinition.FromTree(x);
    }

    /// <summary>
    /// libvirt's virDomainDiskInsert: after the disks of its bus with a lower index, before the first one with a
    /// higher index (vdb lands between vda and vdc, ahead of an ide hdc); a disk on a bus of its own goes last.
    /// </summary>
    private static void InsertDisk(XElement devices, XElement disk)
    {
        var disks = devices.Elements("disk").ToList();
        var (bus, index) = (Bus(disk), DiskBus.Index(Target(disk)));
        var insertAt = -1;
        for (var i = disks.Count - 1; i >= 0; i--)
        {
            if (Bus(disks[i]) != bus) continue;
            if (DiskBus.Index(Target(disks[i])) > index) insertAt = i;
            else if (insertAt == -1) insertAt = i + 1;
        }
        if (insertAt >= 0 && insertAt < disks.Count) disks[insertAt].AddBeforeSelf(disk);
        else if (disks.Count > 0) disks[^1].AddAfterSelf(disk);
        else devices.Add(disk);
    }

    private static string Target(XElement disk) => disk.Element("target")?.Attribute("dev")?.Value ?? "";

    private static string Bus(XElement disk) => disk.Element("target")?.Attribute("bus")?.Value ?? DiskBus.Guess(Target(disk));
}
