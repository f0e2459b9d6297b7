using Vireo.Core.Paths;
using Vireo.Daemon.State;
using Vireo.Host.Files;

namespace Vireo.Daemon.Storage;

/// <summary>This vireod's <see cref="GuestPathPolicy"/>: guest_paths from vireod.conf (or libvirt's default), and its own state always refused.</summary>
public static class GuestPathPolicies
{
    /// <param name="guestPaths">vireod.conf's guest_paths; null for the default</param>
    public static GuestPathPolicy For(VireoPaths paths, IReadOnlyList<string>? guestPaths)
    {
        string[] state = [Path.Combine(paths.Root, "etc/vireo"), paths.RunDir, paths.DomainLibDir, paths.SecretDir];
        return new GuestPathPolicy(guestPaths is null ? null : WithResolved(guestPaths), WithResolved(state));
    }

    /// <summary>Each directory as written and as it resolves: paths are compared in both forms.</summary>
    private static List<string> WithResolved(IEnumerable<string> dirs) =>
        dirs.SelectMany(d => d.StartsWith('/') ? new[] { d.Length > 1 ? d.TrimEnd('/') : d, HostPaths.Resolve(d) } : [d]).Distinct().ToList();
}
