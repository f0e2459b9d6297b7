using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Guest NICs of type network and bridge: each gets a tap named vnetN (written into the live XML as
/// libvirt does), which QEMU creates; while the vCPUs are still stopped, vireod puts it on the
/// network's bridge and brings it up.
/// </summary>
public sealed partial class DomainService
{
    /// <summary>network name -> its bridge; throws naming the network when it is not active (set by the daemon).</summary>
    public Func<string, string> NetworkBridge { get; set; } =
        name => throw new VireoException(ErrorCode.NoNetwork, $"network '{name}' not found");

    /// <summary>Interface names that exist on the host (to pick free vnetN names).</summary>
    public Func<ISet<string>> HostLinks { get; set; } = () => new HashSet<string>();

    /// <summary>Runs `ip` (bridge attachment), through the daemon's process runner.</summary>
    public Func<IReadOnlyList<string>, Task> RunIp { get; set; } = _ => Task.CompletedTask;

    /// <summary>Fills in tap names and bridges for the live definition; refuses NICs on inactive networks before QEMU starts.</summary>
    private void PrepareNics(DomainDefinition live)
    {
        var taken = HostLinks();
        foreach (var d in _domains.Values)
            lock (d)
                if (d.Live is { } other && d.Instance is not null)
                    foreach (var n in other.Interfaces) if (n.TargetDev is { } t) taken.Add(t);
        foreach (var nic in live.Interfaces.Where(n => n.Type is "network" or "bridge"))
        {
            var el = nic.Element;
            var src = el.Element("source") ?? new XElement("source");
            if (src.Parent is null) el.Add(src);
            if (nic.Type == "network")
            {
                var net = nic.SourceNetwork ?? throw new VireoException(ErrorCode.XmlValidation, $"{SafeXml.Where(el)}: <source network='...'/> is missing");
                string bridge;
                try { bridge = NetworkBridge(net); }
                catch (VireoException ex) when (ex.Code is ErrorCode.OperationInvalid or ErrorCode.NoNetwork)
                {
                    throw new VireoException(ErrorCode.OperationInvalid,
                        $"Requested operation is not valid: network '{net}' is not active (start it with 'vireo net-start {net}')");
                }
                src.SetAttributeValue("bridge", bridge);
            }
            else if (nic.SourceBridge is null) throw new VireoException(ErrorCode.XmlValidation, $"{SafeXml.Where(el)}: <source bridge='...'/> is missing");
            if (nic.TargetDev is null)
            {
                var i = 0;
                while (taken.Contains($"vnet{i}")) i++;
                taken.Add($"vnet{i}");
                var target = el.Element("target") ?? new XElement("target");
                if (target.Parent is null) el.Add(target);
                target.SetAttributeValue("dev", $"vnet{i}");
            }
        }
        live.Reload();
    }

    /// <summary>Puts each tap QEMU created on its bridge, up, before the guest runs.</summary>
    private async Task AttachNicsAsync(DomainDefinition live)
    {
        foreach (var nic in live.Interfaces.Where(n => n.Type is "network" or "bridge"))
        {
            var bridge = nic.Element.Element("source")?.Attribute("bridge")?.Value ?? nic.SourceBridge!;
            await RunIp(["ip", "link", "set", "dev", nic.TargetDev!, "master", bridge]);
            await RunIp(["ip", "link", "set", "dev", nic.TargetDev!, "up"]);
            DomainLog(live.Name, $"interface {nic.TargetDev} ({nic.Mac}) attached to bridge {bridge}");
        }
    }
}
