using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Core.Xml;
using Vireo.Storage.Files;

namespace Vireo.Daemon.Domains.Disks;

/// <summary>
/// Host paths a guest may use: every path of a definition (disks and their backing chains, kernel, firmware,
/// chardevs, ...) is checked against the guest path policy (vireod.conf guest_paths, or libvirt's default)
/// with symlinks resolved, and for the kind of file its use needs. At define and attach it is a first answer
/// to the user; right before QEMU starts it is the check that counts, since files change in between.
/// Callers pass definitions whose volume disks are resolved (<see cref="DiskSources.ForQemu"/>) where the
/// pools' files are to be checked too.
/// </summary>
public sealed class HostPathCheck(GuestPathPolicy policy)
{
    /// <summary>Refuses a definition naming a host path guests may not use, with every such path named.</summary>
    public void Check(DomainDefinition def)
    {
        var problems = HostFileCheck.Problems(GuestHostPaths.Of(def), policy);
        if (problems.Count > 0) throw VireoException.Validation("domain definition", problems);
    }

    /// <summary>The same check for the paths of one attached or updated device, as it stands in the new definition.</summary>
    public void CheckDevice(DomainDefinition def, XElement device)
    {
        var problems = HostFileCheck.Problems(GuestHostPaths.Of(def).Where(p => p.Element.AncestorsAndSelf().Any(e => SameDevice(e, device))), policy);
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
