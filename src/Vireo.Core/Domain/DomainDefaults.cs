using System.Security.Cryptography;
using System.Xml.Linq;

namespace Vireo.Core.Domain;

/// <summary>
/// Fills in what libvirt generates at define time: a uuid, MAC addresses, currentMemory, memory in
/// KiB, the vCPU placement and disk buses. Changes go into the XML tree so they are persisted with the definition.
/// </summary>
public static class DomainDefaults
{
    public static void Apply(DomainDefinition def)
    {
        var x = def.Xml;
        if (x.Element("uuid") is null)
            InsertAfter(x, "name", new XElement("uuid", Guid.NewGuid().ToString()));
        if (x.Element("currentMemory") is null && x.Element("memory") is { } mem)
            mem.AddAfterSelf(new XElement("currentMemory", new XAttribute("unit", mem.Attribute("unit")?.Value ?? "KiB"), mem.Value));
        // libvirt keeps memory in KiB whatever unit was written (scripts read <memory unit='KiB'>), with
        // currentMemory clamped to memory, and names the vCPU placement it uses.
        SetKiB(x.Element("memory"), def.MemoryKiB);
        SetKiB(x.Element("currentMemory"), def.CurrentMemoryKiB);
        if (x.Element("maxMemory") is { } max && int.TryParse(max.Attribute("slots")?.Value, out _))
            SetKiB(max, MemorySize.ToKiB(max.Value, max.Attribute("unit")?.Value, "<maxMemory>"));
        if (x.Element("vcpu") is { } vcpu && vcpu.Attribute("placement") is null) SetFirst(vcpu, "placement", "static");
        foreach (var disk in x.Elements("devices").Elements("disk")) NameDiskBus(disk);
        foreach (var nic in x.Elements("devices").Elements("interface"))
        {
            if (nic.Element("mac") is null)
                nic.AddFirst(new XElement("mac", new XAttribute("address", RandomMac())));
            // Open vSwitch ports carry a stable interface id (external-ids:iface-id) that controllers key on.
            if (nic.Element("virtualport") is { } vp && vp.Attribute("type")?.Value == "openvswitch")
                EnsureInterfaceId(vp);
        }
        def.Reload();
    }

    /// <summary>libvirt writes the bus it picked for every disk target (vd* virtio, sd* scsi, hd* ide, ...).</summary>
    public static void NameDiskBus(XElement disk)
    {
        if (disk.Element("target") is { } target && target.Attribute("dev")?.Value is { } dev && target.Attribute("bus") is null)
            target.SetAttributeValue("bus", DiskBus.Guess(dev));
    }

    private static void SetKiB(XElement? element, long kib)
    {
        if (element is null || kib <= 0) return;
        element.Value = kib.ToString(System.Globalization.CultureInfo.InvariantCulture);
        SetFirst(element, "unit", "KiB");
    }

    /// <summary>Sets an attribute and puts it first, where libvirt writes it (unit='KiB' ..., placement='static' ...).</summary>
    private static void SetFirst(XElement element, string name, string value)
    {
        var others = element.Attributes().Where(a => a.Name != name).ToList();
        element.RemoveAttributes();
        element.Add(new XAttribute(name, value), others);
    }

    /// <summary>A MAC in QEMU's locally administered 52:54:00 range, as libvirt generates.</summary>
    public static string RandomMac()
    {
        Span<byte> b = stackalloc byte[3];
        RandomNumberGenerator.Fill(b);
        return $"52:54:00:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}";
    }

    /// <summary>&lt;virtualport type='openvswitch'&gt; gets &lt;parameters interfaceid='UUID'/&gt; when it has none.</summary>
    public static void EnsureInterfaceId(XElement virtualport)
    {
        var p = virtualport.Element("parameters");
        if (p is null) virtualport.Add(p = new XElement("parameters"));
        if (p.Attribute("interfaceid") is null) p.SetAttributeValue("interfaceid", Guid.NewGuid().ToString());
    }

    private static void InsertAfter(XElement parent, string sibling, XElement e)
    {
        if (parent.Element(sibling) is { } s) s.AddAfterSelf(e);
        else parent.AddFirst(e);
    }
}
