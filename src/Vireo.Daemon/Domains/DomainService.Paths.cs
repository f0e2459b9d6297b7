using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Core.Xml;
using Vireo.Daemon.Storage;
using Vireo.Storage.Files;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Host paths a guest may use: every path of a definition (disks and their backing chains, kernel, firmware,
/// chardevs, ...) is checked against the guest path policy (vireod.conf guest_paths, or libvirt's default)
/// with symlinks resolved, and for the kind of file its use needs. At define and attach it is a first answer
/// to the user; right before QEMU starts it is the check that counts, since files change in between.
/// </summary>
public sealed partial class DomainService
{
    private GuestPathPolicy? _pathPolicy;

    /// <summary>This vireod's guest path policy (guest_paths from vireod.conf, or the default).</summary>
    public GuestPathPolicy PathPolicy => _pathPolicy ??= GuestPathPolicies.For(paths, options?.GuestPaths);

    /// <summary>Refuses a definition naming a host path guests may not use, with every such path named.</summary>
    /// <param name="resolveVolumes">also check the files &lt;disk type='volume'&gt; resolve to (at start: their pools must be running then)</param>
    private void CheckHostPaths(DomainDefinition def, bool resolveVolumes)
    {
        var problems = HostFileCheck.Problems(GuestHostPaths.Of(resolveVolumes ? ForQemu(def) : def), PathPolicy);
        if (problems.Count > 0) throw VireoException.Validation("domain definition", problems);
    }

    /// <summary>The same check for the paths of one attached or updated device, as it stands in the new definition.</summary>
    private void CheckHostPaths(DomainDefinition def, XElement device, bool resolveVolumes)
    {
        var resolved = resolveVolumes ? ForQemu(def) : def;
        var problems = HostFileCheck.Problems(GuestHostPaths.Of(resolved).Where(p => p.Element.AncestorsAndSelf().Any(e => SameDevice(e, device))), PathPolicy);
        if (problems.Count > 0) throw VireoException.Validation("device", problems);
    }

    /// <summary>A disk is known by its target, a NIC by its MAC: the copy in a definition is not the element the user sent.</summary>
    private static bool SameDevice(XElement candidate, XElement device) =>
        candidate.Name == device.Name && candidate.Parent?.Name == "devices" && device.Name.LocalName switch
        {
            "disk" => candidate.ChildAttr("target", "dev") == device.ChildAttr("target", "dev"),
            "interface" => candidate.ChildAttr("mac", "address") == device.ChildAttr("mac", "address"),
            _ => false,
        };
}
