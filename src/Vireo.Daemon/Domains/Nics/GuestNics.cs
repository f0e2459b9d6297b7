using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Domain.Edits;
using Vireo.Core.Errors;
using Vireo.Core.Xml;
using Vireo.Daemon.Resources;
using Vireo.Network;
using Vireo.Network.Ports;

namespace Vireo.Daemon.Domains.Nics;

/// <summary>
/// Before QEMU starts, every NIC of the live definition is given what libvirt records in the live
/// XML: an alias (net0, ...), the host-side name (vnetN taps, macvtapN links), the bridge of its
/// network, or - on a direct network - the host interface and macvtap mode it was given. Names,
/// interfaces and VFs are claimed in <see cref="HostResources"/> as they are chosen.
/// </summary>
public sealed partial class GuestNics(INetworkPlugs networks, IHostLinks links, HostResources resources, INicPlumbing plumbing,
    DomainLogWriter log)
{
    public static string MacvtapMode(InterfaceDef nic) => NicPlumbing.MacvtapMode(nic);

    /// <summary>Fills in names, bridges and macvtap devices; refuses NICs on inactive networks or busy interfaces before QEMU starts.</summary>
    public void Prepare(DomainDefinition live)
    {
        var hostLinks = links.Names();
        DomainEdits.AssignNicAliases(live);
        foreach (var nic in live.Interfaces)
        {
            var el = nic.Element;
            var source = el.Element("source") ?? new XElement("source");
            if (source.Parent is null) el.Add(source);
            string prefix;
            switch (nic.Type)
            {
                case "network":
                    var net = nic.SourceNetwork ?? throw new VireoException(ErrorCode.XmlValidation, $"{SafeXml.Where(el)}: <source network='...'/> is missing");
                    var plug = PlugOf(net);
                    if (plug.MacvtapMode is { } mode)
                    {
                        // libvirt's live XML shows such a NIC as what it became: a direct one on the chosen interface.
                        var dev = ClaimMacvtapLower(plug, live.Name, NicDevice(nic));
                        el.SetAttributeValue("type", "direct");
                        source.SetAttributeValue("dev", dev);
                        source.SetAttributeValue("mode", mode);
                        prefix = "macvtap";
                    }
                    else if (plug.Bridge is { } bridge)
                    {
                        source.SetAttributeValue("bridge", bridge);
                        if (plug.VirtualPort == "openvswitch" && el.Element("virtualport") is null)
                            el.Add(new XElement("virtualport", new XAttribute("type", "openvswitch")));
                        prefix = "vnet";
                    }
                    else if (plug.Hostdev)
                    {
                        // The guest gets a whole VF by VFIO: the live XML shows it as a hostdev NIC on that VF.
                        var vf = ClaimVf(plug, live);
                        el.SetAttributeValue("type", "hostdev");
                        el.SetAttributeValue("managed", plug.HostdevManaged ? "yes" : "no");
                        source.Elements("address").Remove();
                        source.Add(PciHostdevs.Element(vf));
                        continue;
                    }
                    else throw new VireoException(ErrorCode.OperationFailed, $"network '{net}' has neither a bridge, host interfaces nor virtual functions for guests");
                    break;
                case "bridge":
                    if (nic.SourceBridge is null) throw new VireoException(ErrorCode.XmlValidation, $"{SafeXml.Where(el)}: <source bridge='...'/> is missing");
                    prefix = "vnet";
                    break;
                case "direct":
                    ClaimMacvtapLower(nic.SourceDev!, MacvtapMode(nic), live.Name, NicDevice(nic), SafeXml.Where(el));
                    prefix = "macvtap";
                    break;
                default:
                    continue;
            }
            if (el.Element("virtualport") is { } vp && vp.Attribute("type")?.Value == "openvswitch") DomainDefaults.EnsureInterfaceId(vp);
            else if (el.Element("virtualport") is { } other)
                throw new VireoException(ErrorCode.NotSupported, $"{SafeXml.Where(el)}: virtualport type '{other.Attribute("type")?.Value}' is not supported (openvswitch is)");
            ClaimLinkName(live.Name, nic, prefix, hostLinks);
        }
        live.Reload();
    }

    private NetworkPlug PlugOf(string net)
    {
        try { return networks.PlugOf(net); }
        catch (VireoException ex) when (ex.Code is ErrorCode.OperationInvalid or ErrorCode.NoNetwork)
        {
            throw new VireoException(ErrorCode.OperationInvalid,
                $"Requested operation is not valid: network '{net}' is not active (start it with 'vireo net-start {net}')");
        }
    }

    /// <summary>What a NIC's claims are filed under: its MAC, unique in its domain.</summary>
    public static string NicDevice(InterfaceDef nic) => nic.Mac?.ToLowerInvariant() ?? throw new InvalidOperationException("a NIC without a MAC (DomainDefaults gives every NIC one)");

    /// <summary>The NIC's host link name: the one it names (claimed, if nobody else has it) or the first free prefixN.</summary>
    private void ClaimLinkName(string domain, InterfaceDef nic, string prefix, ISet<string> hostLinks)
    {
        if (nic.TargetDev is { } given)
        {
            if (resources.TryClaim(HostResource.LinkName, given, domain, NicDevice(nic), exclusive: true) is { } busy)
                throw new VireoException(ErrorCode.OperationInvalid,
                    $"Requested operation is not valid: {SafeXml.Where(nic.Element)}: interface name '{given}' is in use by domain '{busy.Owner}'");
            return;
        }
        var name = resources.ClaimFirstFree(HostResource.LinkName, Enumerable.Range(0, 65536).Select(i => $"{prefix}{i}"), domain, NicDevice(nic), hostLinks.Contains)
            ?? throw new VireoException(ErrorCode.OperationFailed, $"no free interface name left for {prefix}N");
        var target = nic.Element.Element("target") ?? new XElement("target");
        if (target.Parent is null) nic.Element.Add(target);
        target.SetAttributeValue("dev", name);
    }

    /// <summary>
    /// A direct network's interface for one more guest, as libvirt picks it: in passthrough mode the first
    /// one nobody uses, otherwise the least used one (never one given away in passthrough mode).
    /// </summary>
    private string ClaimMacvtapLower(NetworkPlug plug, string domain, string device)
    {
        var exclusive = plug.MacvtapMode == "passthrough";
        // Another start may take an interface between the look and the claim: the claim decides, the look orders.
        foreach (var dev in plug.MacvtapDevs.OrderBy(d => exclusive ? 0 : resources.HoldersOf(HostResource.MacvtapLower, d).Count))
            if (resources.TryClaim(HostResource.MacvtapLower, dev, domain, device, exclusive, plug.MacvtapMode) is null)
                return dev;
        throw new VireoException(ErrorCode.OperationFailed,
            $"network '{plug.Network}': no free interface among {string.Join(", ", plug.MacvtapDevs)}" +
            (exclusive ? " (passthrough mode gives each guest an interface of its own)" : " (all are passed through to guests)"));
    }

    /// <summary>Passthrough gives a guest the whole interface: it cannot share one, nor take one another guest uses.</summary>
    private void ClaimMacvtapLower(string dev, string mode, string domain, string device, string where)
    {
        if (resources.TryClaim(HostResource.MacvtapLower, dev, domain, device, exclusive: mode == "passthrough", mode) is { } busy)
            throw new VireoException(ErrorCode.OperationInvalid,
                $"{where}: host interface '{dev}' is used by domain '{busy.Owner}' in {busy.Mode} mode; passthrough mode needs an interface to itself");
    }

    /// <summary>The first VF of a hostdev network that nobody holds (nor an explicit hostdev of this domain names).</summary>
    private string ClaimVf(NetworkPlug plug, DomainDefinition live)
    {
        var own = PciHostdevs.Of(live).Select(h => h.HostAddress).ToHashSet();
        return resources.ClaimFirstFree(HostResource.PciDevice, plug.HostdevVfs, live.Name, null, own.Contains) ?? throw new VireoException(ErrorCode.OperationFailed,
            $"network '{plug.Network}': all {plug.HostdevVfs.Count} virtual functions ({string.Join(", ", plug.HostdevVfs)}) are in use");
    }

    /// <summary>
    /// A reconnected guest's claims, from its live XML: the names, interfaces and devices it holds since
    /// before vireod restarted.
    /// </summary>
    public void Reclaim(DomainDefinition live)
    {
        foreach (var nic in live.Interfaces.Where(n => n.Mac is not null))
        {
            if (nic.TargetDev is { } link) resources.TryClaim(HostResource.LinkName, link, live.Name, NicDevice(nic), exclusive: true);
            if (nic.Type == "direct" && nic.SourceDev is { } lower)
                resources.TryClaim(HostResource.MacvtapLower, lower, live.Name, NicDevice(nic), MacvtapMode(nic) == "passthrough", MacvtapMode(nic));
        }
        foreach (var h in PciHostdevs.Of(live)) resources.TryClaim(HostResource.PciDevice, h.HostAddress, live.Name, h.HostAddress, exclusive: true);
    }
}
