using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Core.Xml;

namespace Vireo.Core.Storage;

/// <summary>A libvirt storage volume definition (vol-create input, vol-dumpxml output); the XML tree is kept.</summary>
public sealed class StorageVolumeDefinition
{
    private StorageVolumeDefinition(XElement xml) => Xml = xml;

    public XElement Xml { get; }
    public string Name { get; private set; } = "";
    /// <summary>file, block, dir, network or netdir; libvirt's type attribute (optional on input).</summary>
    public string? Type { get; private set; }
    public long? Capacity { get; private set; }
    public long? Allocation { get; private set; }
    public string? Format { get; private set; }
    public string? TargetPath { get; private set; }
    public Permissions? TargetPermissions { get; private set; }
    public string? Compat { get; private set; }
    public bool LazyRefcounts { get; private set; }
    public long? ClusterSize { get; private set; }
    public bool NoCow { get; private set; }
    public bool Encrypted { get; private set; }
    public string? BackingPath { get; private set; }
    public string? BackingFormat { get; private set; }

    public static StorageVolumeDefinition Parse(string xml)
    {
        var root = SafeXml.Parse(xml, "storage volume XML").Root!;
        if (root.Name.LocalName != "volume")
            throw new VireoException(ErrorCode.XmlValidation, $"expected root element <volume>, found <{root.Name.LocalName}> (line 1)");
        var def = new StorageVolumeDefinition(root);
        var problems = new List<string>();
        def.Load(problems);
        ObjectName.Check(def.Name, "storage volume", root.Element("name"), problems);
        if (def.Capacity is null && def.BackingPath is null) problems.Add("<capacity> is missing (it may only be left out when a <backingStore> gives the size)");
        if (def.Type is { } t && t is not ("file" or "block" or "dir" or "network" or "netdir" or "ploop"))
            problems.Add($"unknown volume type '{t}'");
        if (problems.Count > 0)
            throw VireoException.Validation("storage volume XML", problems);
        return def;
    }

    private void Load(List<string> problems)
    {
        var x = Xml;
        Name = x.ChildText("name")?.Trim() ?? "";
        Type = x.Attr("type");
        Capacity = Size(x.Element("capacity"), problems);
        Allocation = Size(x.Element("allocation"), problems);
        var target = x.Element("target");
        Format = target.ChildAttr("format", "type");
        TargetPath = target.ChildText("path")?.Trim();
        TargetPermissions = Permissions.Read(target?.Element("permissions"), problems);
        Compat = target.ChildText("compat")?.Trim();
        LazyRefcounts = target?.Element("features")?.Element("lazy_refcounts") is not null;
        ClusterSize = Size(target?.Element("clusterSize"), problems);
        NoCow = target?.Element("nocow") is not null;
        Encrypted = target?.Element("encryption") is not null;
        var backing = x.Element("backingStore");
        BackingPath = backing.ChildText("path")?.Trim();
        BackingFormat = backing.ChildAttr("format", "type");
    }

    private static long? Size(XElement? e, List<string> problems)
    {
        if (e is null) return null;
        try { return ScaledSize.ToBytes(e.Value, e.Attr("unit"), SafeXml.Where(e)); }
        catch (VireoException ex) { problems.Add(ex.Message); return null; }
    }

    public string ToXml() => SafeXml.Format(Xml);
}
