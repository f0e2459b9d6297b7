using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

/// <summary>
/// A libvirt domain definition. The XML tree is the source of truth: every element and
/// attribute the user wrote stays in <see cref="Xml"/> and is written back, and the typed
/// properties are a view parsed from it. Changes (generated uuid, MACs, attached devices)
/// are made to the tree, then the view is parsed again.
/// </summary>
public sealed partial class DomainDefinition
{
    private DomainDefinition(XElement xml) => Xml = xml;

    public XElement Xml { get; }

    public string Type { get; private set; } = "";
    public string Name { get; private set; } = "";
    public Guid Uuid { get; private set; }
    public string? Title { get; private set; }
    public string? Description { get; private set; }
    public long MemoryKiB { get; private set; }
    public long CurrentMemoryKiB { get; private set; }
    public int Vcpus { get; private set; }
    public int VcpusCurrent { get; private set; }
    public string? VcpuCpuset { get; private set; }
    public OsDef Os { get; private set; } = null!;
    public CpuDef? Cpu { get; private set; }
    public IReadOnlySet<string> Features { get; private set; } = new HashSet<string>();
    public ClockDef Clock { get; private set; } = new("utc", []);
    public string OnPoweroff { get; private set; } = "destroy";
    public string OnReboot { get; private set; } = "restart";
    public string OnCrash { get; private set; } = "destroy";
    public string? Emulator { get; private set; }
    public IReadOnlyList<DiskDef> Disks { get; private set; } = [];
    public IReadOnlyList<ControllerDef> Controllers { get; private set; } = [];
    public IReadOnlyList<InterfaceDef> Interfaces { get; private set; } = [];
    public IReadOnlyList<CharDevDef> Serials { get; private set; } = [];
    public IReadOnlyList<CharDevDef> Consoles { get; private set; } = [];
    public IReadOnlyList<CharDevDef> Channels { get; private set; } = [];
    public IReadOnlyList<GraphicsDef> Graphics { get; private set; } = [];
    public IReadOnlyList<VideoDef> Videos { get; private set; } = [];
    public IReadOnlyList<SimpleDeviceDef> Inputs { get; private set; } = [];
    public IReadOnlyList<SimpleDeviceDef> Rngs { get; private set; } = [];
    public IReadOnlyList<SimpleDeviceDef> Watchdogs { get; private set; } = [];
    public SimpleDeviceDef? Memballoon { get; private set; }

    public bool IsKvm => Type == "kvm";

    /// <summary>Parses domain XML. Throws <see cref="VireoException"/> listing every problem found.</summary>
    public static DomainDefinition Parse(string xml)
    {
        var doc = SafeXml.Parse(xml, "domain XML");
        var root = doc.Root!;
        if (root.Name.LocalName != "domain")
            throw new VireoException(ErrorCode.XmlValidation, $"expected root element <domain>, found <{root.Name.LocalName}> (line 1)");
        var def = new DomainDefinition(root);
        var problems = new List<string>();
        def.Load(problems);
        DomainValidator.Validate(def, problems);
        if (problems.Count > 0)
            throw VireoException.Validation("domain XML", problems);
        return def;
    }

    /// <summary>Re-reads the typed view after a change to <see cref="Xml"/>.</summary>
    public void Reload()
    {
        var problems = new List<string>();
        Load(problems);
        if (problems.Count > 0)
            throw new VireoException(ErrorCode.XmlValidation, string.Join("; ", problems), problems);
    }

    public DomainDefinition Clone() => Parse(ToXml());

    public string ToXml() => SafeXml.Format(Xml);

    /// <summary>Memory in MiB, rounded up, as QEMU's -m takes it.</summary>
    public long MemoryMiB => (MemoryKiB + 1023) / 1024;
}
