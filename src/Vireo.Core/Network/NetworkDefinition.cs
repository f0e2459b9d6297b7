using System.Net;
using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Network;

/// <summary>
/// A libvirt virtual network. As with domains the XML tree is the source of truth and is written
/// back whole; the properties are a view parsed from it.
/// </summary>
public sealed partial class NetworkDefinition
{
    public static readonly IReadOnlyList<string> ForwardModes = ["nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev"];

    private NetworkDefinition(XElement xml) => Xml = xml;

    public XElement Xml { get; }
    public string Name { get; private set; } = "";
    public Guid Uuid { get; private set; }
    /// <summary>The forward mode, or null for an isolated network (no &lt;forward&gt;).</summary>
    public string? ForwardMode { get; private set; }
    public string? ForwardDev { get; private set; }
    public IReadOnlyList<string> ForwardInterfaces { get; private set; } = [];
    /// <summary>&lt;forward&gt;&lt;pf dev='...'/&gt;: the SR-IOV physical function whose VFs the network hands out.</summary>
    public string? ForwardPf { get; private set; }
    public string? BridgeName { get; private set; }
    public bool Stp { get; private set; } = true;
    public int BridgeDelay { get; private set; }
    public string? MacAddress { get; private set; }
    public int? Mtu { get; private set; }
    public string? DomainName { get; private set; }
    public bool DomainLocalOnly { get; private set; }
    public string? VirtualPortType { get; private set; }
    public IReadOnlyList<NetworkIp> Ips { get; private set; } = [];
    public bool DnsEnabled { get; private set; } = true;
    public IReadOnlyList<DnsForwarder> DnsForwarders { get; private set; } = [];
    public IReadOnlyList<DnsHost> DnsHosts { get; private set; } = [];
    public IReadOnlyList<DnsSrv> DnsSrvs { get; private set; } = [];
    public IReadOnlyList<DnsTxt> DnsTxts { get; private set; } = [];

    /// <summary>nat, route, open and isolated networks have a bridge of their own, run by Vireo.</summary>
    public bool HasOwnBridge => ForwardMode is null or "nat" or "route" or "open";

    /// <summary>
    /// The macvtap mode of a direct network (vepa, private, passthrough, or bridge without a host
    /// bridge of its own), or null when guests do not get macvtap links.
    /// </summary>
    public string? MacvtapMode => ForwardMode switch
    {
        "vepa" or "private" or "passthrough" => ForwardMode,
        "bridge" when BridgeName is null => "bridge",
        _ => null,
    };

    public static NetworkDefinition Parse(string xml)
    {
        var root = SafeXml.Parse(xml, "network XML").Root!;
        if (root.Name.LocalName != "network")
            throw new VireoException(ErrorCode.XmlValidation, $"expected root element <network>, found <{root.Name.LocalName}> (line 1)");
        var def = new NetworkDefinition(root);
        var problems = new List<string>();
        def.Load(problems);
        NetworkValidator.Validate(def, problems);
        if (problems.Count > 0)
            throw VireoException.Validation("network XML", problems);
        return def;
    }

    /// <summary>Re-reads the view after a change to <see cref="Xml"/> (net-update, generated values).</summary>
    public void Reload()
    {
        var problems = new List<string>();
        Load(problems);
        NetworkValidator.Validate(this, problems);
        if (problems.Count > 0) throw new VireoException(ErrorCode.XmlValidation, "invalid network XML: " + string.Join("; ", problems), problems);
    }

    public string ToXml() => SafeXml.Format(Xml);

    public NetworkDefinition Clone() => Parse(ToXml());
}
