using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Storage;

public sealed record PoolHost(string Name, int? Port);
public sealed record PoolDevice(string Path, string? PartSeparator);
/// <summary>&lt;auth type='ceph|chap' username='...'&gt;&lt;secret uuid='...' or usage='...'/&gt;.</summary>
public sealed record PoolAuth(string Type, string Username, Guid? SecretUuid, string? SecretUsage);

/// <summary>
/// A libvirt storage pool definition. As with domains, the XML tree is the source of truth (every
/// element the user wrote is written back) and the properties are a view parsed from it.
/// </summary>
public sealed class StoragePoolDefinition
{
    public static readonly IReadOnlyList<string> Types =
        ["dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog", "gluster", "zfs", "vstorage"];

    private StoragePoolDefinition(XElement xml) => Xml = xml;

    public XElement Xml { get; }
    public string Type { get; private set; } = "";
    public string Name { get; private set; } = "";
    public Guid Uuid { get; private set; }
    public string? TargetPath { get; private set; }
    public Permissions? TargetPermissions { get; private set; }
    public IReadOnlyList<PoolHost> SourceHosts { get; private set; } = [];
    public IReadOnlyList<PoolDevice> SourceDevices { get; private set; } = [];
    public string? SourceDir { get; private set; }
    public string? SourceName { get; private set; }
    public string? SourceFormat { get; private set; }
    public string? SourceProtocolVersion { get; private set; }
    public string? InitiatorIqn { get; private set; }
    public PoolAuth? Auth { get; private set; }
    /// <summary>Extra mount options from the fs:mount_opts namespace (netfs).</summary>
    public IReadOnlyList<string> MountOptions { get; private set; } = [];

    public static StoragePoolDefinition Parse(string xml)
    {
        var root = SafeXml.Parse(xml, "storage pool XML").Root!;
        if (root.Name.LocalName != "pool")
            throw new VireoException(ErrorCode.XmlValidation, $"expected root element <pool>, found <{root.Name.LocalName}> (line 1)");
        var def = new StoragePoolDefinition(root);
        var problems = new List<string>();
        def.Load(problems);
        StoragePoolValidator.Validate(def, problems);
        if (problems.Count > 0)
            throw VireoException.Validation("storage pool XML", problems);
        return def;
    }

    private void Load(List<string> problems)
    {
        var x = Xml;
        Type = x.Attr("type") ?? "";
        Name = x.ChildText("name")?.Trim() ?? "";
        var uuidText = x.ChildText("uuid")?.Trim();
        if (uuidText is not null && !Guid.TryParse(uuidText, out _)) problems.Add($"{SafeXml.Where(x.Element("uuid")!)}: '{uuidText}' is not a valid UUID");
        else Uuid = uuidText is null ? Guid.Empty : Guid.Parse(uuidText);
        var target = x.Element("target");
        TargetPath = NormalizePath(target.ChildText("path")?.Trim());
        TargetPermissions = Permissions.Read(target?.Element("permissions"), problems);
        var src = x.Element("source");
        SourceHosts = src?.Elements("host").Select(h => new PoolHost(h.Attr("name") ?? "", ReadPort(h, problems))).ToList() ?? [];
        SourceDevices = src?.Elements("device").Select(d => new PoolDevice(d.Attr("path") ?? "", d.Attr("part_separator"))).ToList() ?? [];
        SourceDir = src.ChildAttr("dir", "path");
        SourceName = src.ChildText("name")?.Trim();
        SourceFormat = src.ChildAttr("format", "type");
        SourceProtocolVersion = src.ChildAttr("protocol", "ver");
        InitiatorIqn = src?.Element("initiator").ChildAttr("iqn", "name");
        if (src?.Element("auth") is { } auth)
        {
            var secret = auth.Element("secret");
            Guid? su = null;
            if (secret.Attr("uuid") is { } s)
            {
                if (Guid.TryParse(s, out var g)) su = g;
                else problems.Add($"{SafeXml.Where(secret!)}: '{s}' is not a valid secret UUID");
            }
            Auth = new PoolAuth(auth.Attr("type") ?? "", auth.Attr("username") ?? "", su, secret.Attr("usage"));
        }
        XNamespace fs = "http://libvirt.org/schemas/storagepool/fs/1.0";
        MountOptions = x.Element(fs + "mount_opts")?.Elements(fs + "option").Select(o => o.Attr("name") ?? "").ToList() ?? [];
    }

    private static int? ReadPort(XElement h, List<string> problems)
    {
        if (h.Attr("port") is not { } p) return null;
        if (int.TryParse(p, out var n) && n is > 0 and < 65536) return n;
        problems.Add($"{SafeXml.Where(h)}: port '{p}' is not a valid port number");
        return null;
    }

    /// <summary>libvirt collapses repeated slashes and drops a trailing one ("///var//lib/" -> "/var/lib").</summary>
    public static string? NormalizePath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return path;
        var collapsed = System.Text.RegularExpressions.Regex.Replace(path, "/{2,}", "/");
        return collapsed.Length > 1 ? collapsed.TrimEnd('/') : collapsed;
    }

    /// <summary>Fills in what libvirt fills in at define time: a uuid.</summary>
    public void ApplyDefaults()
    {
        if (Uuid == Guid.Empty)
        {
            var u = Guid.NewGuid();
            var el = new XElement("uuid", u.ToString());
            if (Xml.Element("name") is { } n) n.AddAfterSelf(el); else Xml.AddFirst(el);
            Uuid = u;
        }
    }

    public string ToXml() => SafeXml.Format(Xml);

    public StoragePoolDefinition Clone() => Parse(ToXml());
}
