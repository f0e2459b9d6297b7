using Vireo.Core.Paths;

namespace Vireo.Core.Domain;

public static partial class DomainValidator
{
    /// <summary>Every host path the guest uses is absolute and canonical (<see cref="GuestPath"/>).</summary>
    private static void CheckHostPaths(DomainDefinition d, List<string> problems)
    {
        foreach (var p in GuestHostPaths.Of(d))
            if (GuestPath.Problem(p.Path) is { } problem)
                problems.Add($"{p.Where}: {p.Role} path '{Printable(p.Path)}' {problem}");
    }

    /// <summary>Control characters are shown escaped, so an error message stays on one line.</summary>
    private static string Printable(string path) =>
        string.Concat(path.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
}
