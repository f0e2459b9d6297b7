using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Storage;

/// <summary>
/// A libvirt secret: who uses it (volume, ceph, iscsi, tls, vtpm, passphrase) and whether its value may be read
/// back (private) or kept on disk (ephemeral). The value itself never lives in this XML.
/// </summary>
public sealed class SecretDefinition
{
    public static readonly IReadOnlyList<string> UsageTypes = ["volume", "ceph", "iscsi", "tls", "vtpm", "passphrase"];

    private SecretDefinition(XElement xml) => Xml = xml;

    public XElement Xml { get; }
    public Guid Uuid { get; private set; }
    public bool Ephemeral { get; private set; }
    public bool Private { get; private set; }
    public string? Description { get; private set; }
    public string? UsageType { get; private set; }
    /// <summary>The usage id: the volume path, the ceph/tls/vtpm name, or the iscsi target.</summary>
    public string? UsageId { get; private set; }

    public static SecretDefinition Parse(string xml)
    {
        var root = SafeXml.Parse(xml, "secret XML").Root!;
        if (root.Name.LocalName != "secret")
            throw new VireoException(ErrorCode.XmlValidation, $"expected root element <secret>, found <{root.Name.LocalName}> (line 1)");
        var def = new SecretDefinition(root);
        var problems = new List<string>();
        def.Load(problems);
        if (problems.Count > 0)
            throw VireoException.Validation("secret XML", problems);
        return def;
    }

    private void Load(List<string> problems)
    {
        var x = Xml;
        Ephemeral = YesNo(x, "ephemeral", problems);
        Private = YesNo(x, "private", problems);
        var uuidText = x.ChildText("uuid")?.Trim();
        if (uuidText is not null && !Guid.TryParse(uuidText, out _)) problems.Add($"{SafeXml.Where(x.Element("uuid")!)}: '{uuidText}' is not a valid UUID");
        else Uuid = uuidText is null ? Guid.Empty : Guid.Parse(uuidText);
        Description = x.ChildText("description");
        if (x.Element("usage") is not { } usage) return;
        UsageType = usage.Attr("type");
        var idElement = UsageType switch
        {
            "volume" => "volume",
            "iscsi" => "target",
            "ceph" or "tls" or "vtpm" or "passphrase" => "name",
            null => null,
            _ => "",
        };
        if (idElement is null) problems.Add($"{SafeXml.Where(usage)}: missing the 'type' attribute ({string.Join(", ", UsageTypes)})");
        else if (idElement == "") problems.Add($"{SafeXml.Where(usage)}: unknown usage type '{UsageType}' ({string.Join(", ", UsageTypes)})");
        else
        {
            UsageId = usage.ChildText(idElement)?.Trim();
            if (string.IsNullOrEmpty(UsageId)) problems.Add($"{SafeXml.Where(usage)}: usage type '{UsageType}' needs a <{idElement}> element");
        }
    }

    private static bool YesNo(XElement x, string attr, List<string> problems) => x.Attr(attr) switch
    {
        null or "no" => false,
        "yes" => true,
        var v => Add(problems, $"<secret> attribute '{attr}' must be 'yes' or 'no', not '{v}'"),
    };

    private static bool Add(List<string> problems, string p) { problems.Add(p); return false; }

    public void ApplyDefaults()
    {
        if (Uuid != Guid.Empty) return;
        Uuid = Guid.NewGuid();
        Xml.AddFirst(new XElement("uuid", Uuid.ToString()));
    }

    /// <summary>What virsh secret-list shows in its Usage column: "ceph client.admin secret".</summary>
    public string UsageText => UsageType is null ? "Unused" : $"{UsageType} {UsageId}";

    public string ToXml() => SafeXml.Format(Xml);
}
