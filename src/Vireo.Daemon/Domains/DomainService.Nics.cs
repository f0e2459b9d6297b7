using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;
using Vireo.Daemon.Networks;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Before QEMU starts, every NIC of the live definition is given what libvirt records in the live
/// XML: an alias (net0, ...), the host-side name (vnetN taps, macvtapN links), the bridge of its
/// network, or - on a direct network - the host interface and macvtap mode it was given.
/// </summary>
public sealed partial class DomainService
{
    /// <summary>network name -> what its guests join; throws naming the network when it is not active (set by the daemon).</summary>
    public Func<string, NetworkPlug> NetworkPlugOf { get; set; } =
        name => throw new VireoException(ErrorCode.NoNetwork, $"network '{name}' not found");

    /// <summary>Interface names that exist on the host (to pick free vnetN and macvtapN names).</summary>
    public Func<ISet<string>> HostLinks { get; set; } = () => new HashSet<string>();

    private sealed record MacvtapUser(string Dev, string Mode, string Domain);

    private static string MacvtapMode(InterfaceDef nic) => nic.Element.Element("source")?.Attribute("mode")?.Value ?? "vepa";

    private static bool IsOvs(InterfaceDef nic) => nic.Element.Element("virtualport")?.Attribute("type")?.Value == "openvswitch";

    /// <summary>Fills in names, bridges and macvtap devices; refuses NICs on inactive networks or busy interfaces before QEMU starts.</summary>
    private void PrepareNics(DomainDefinition live)
    {
        var taken = HostLinks();
        var users = new List<MacvtapUser>();
        foreach (var d in _domains.Values)
            lock (d)
                if (d.Live is { } other && d.Instance is not null)
                    foreach (var n in other.Interfaces)
                    {
                        if (n.TargetDev is { } t) taken.Add(t);
                        if (other.Name != live.Name && n.Type == "direct" && n.SourceDev is { } dev) users.Add(new(dev, MacvtapMode(n), other.Name));
                    }
        AssignAliases(live);
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
                        var dev = PickMacvtapDev(plug, users);
                        el.SetAttributeValue("type", "direct");
                        source.SetAttributeValue("dev", dev);
                        source.SetAttributeValue("mode", mode);
                        users.Add(new(dev, mode, live.Name));
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
                        var vf = PickVf(plug, live);
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
                    CheckMacvtapFree(nic.SourceDev!, MacvtapMode(nic), users, SafeXml.Where(el));
                    users.Add(new(nic.SourceDev!, MacvtapMode(nic), live.Name));
                    prefix = "macvtap";
                    break;
                default:
                    continue;
            }
            if (el.Element("virtualport") is { } vp && vp.Attribute("type")?.Value == "openvswitch") DomainDefaults.EnsureInterfaceId(vp);
            else if (el.Element("virtualport") is { } other)
                throw new VireoException(ErrorCode.NotSupported, $"{SafeXml.Where(el)}: virtualport type '{other.Attribute("type")?.Value}' is not supported (openvswitch is)");
            if (nic.TargetDev is null)
            {
                var i = 0;
                while (taken.Contains($"{prefix}{i}")) i++;
                taken.Add($"{prefix}{i}");
                var target = el.Element("target") ?? new XElement("target");
                if (target.Parent is null) el.Add(target);
                target.SetAttributeValue("dev", $"{prefix}{i}");
            }
        }
        live.Reload();
    }

    /// <summary>Aliases first: net&lt;i&gt; for the i-th NIC as QEMU's ids have it, the next free one for a new NIC.</summary>
    private static void AssignAliases(DomainDefinition live)
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

    private NetworkPlug PlugOf(string net)
    {
        try { return NetworkPlugOf(net); }
        catch (VireoException ex) when (ex.Code is ErrorCode.OperationInvalid or ErrorCode.NoNetwork)
        {
            throw new VireoException(ErrorCode.OperationInvalid,
                $"Requested operation is not valid: network '{net}' is not active (start it with 'vireo net-start {net}')");
        }
    }

    /// <summary>
    /// A direct network's interface for one more guest, as libvirt picks it: in passthrough mode the first
    /// one nobody uses, otherwise the least used one (never one given away in passthrough mode).
    /// </summary>
    private static string PickMacvtapDev(NetworkPlug plug, List<MacvtapUser> users)
    {
        int Count(string dev) => users.Count(u => u.Dev == dev);
        var free = plug.MacvtapMode == "passthrough"
            ? plug.MacvtapDevs.Where(d => Count(d) == 0)
            : plug.MacvtapDevs.Where(d => !users.Any(u => u.Dev == d && u.Mode == "passthrough")).OrderBy(Count);
        return free.FirstOrDefault() ?? throw new VireoException(ErrorCode.OperationFailed,
            $"network '{plug.Network}': no free interface among {string.Join(", ", plug.MacvtapDevs)}" +
            (plug.MacvtapMode == "passthrough" ? " (passthrough mode gives each guest an interface of its own)" : " (all are passed through to guests)"));
    }

    /// <summary>The first VF of a hostdev network that no running domain (nor an earlier NIC of this one) has.</summary>
    private string PickVf(NetworkPlug plug, DomainDefinition live)
    {
        var used = PciDevicesInUse(live.Name).Keys.Concat(PciHostdevs.Of(live).Select(h => h.HostAddress)).ToHashSet();
        return plug.HostdevVfs.FirstOrDefault(vf => !used.Contains(vf)) ?? throw new VireoException(ErrorCode.OperationFailed,
            $"network '{plug.Network}': all {plug.HostdevVfs.Count} virtual functions ({string.Join(", ", plug.HostdevVfs)}) are in use");
    }

    /// <summary>Passthrough gives a guest the whole interface: it cannot share one, nor take one another guest uses.</summary>
    private static void CheckMacvtapFree(string dev, string mode, List<MacvtapUser> users, string where)
    {
        if (users.FirstOrDefault(u => u.Dev == dev && (mode == "passthrough" || u.Mode == "passthrough")) is { } busy)
            throw new VireoException(ErrorCode.OperationInvalid,
                $"{where}: host interface '{dev}' is used by domain '{busy.Domain}' in {busy.Mode} mode; passthrough mode needs an interface to itself");
    }
}
