namespace Vireo.Core.Paths;

/// <summary>
/// The syntax every host path a guest uses must have: absolute and canonical. A relative path would be
/// resolved against vireod's working directory; '.', '..' and '//' make one file look like another to
/// every check that compares paths. libvirt refuses relative disk paths for QEMU the same way.
/// </summary>
public static class GuestPath
{
    /// <summary>Linux's PATH_MAX, terminating NUL included.</summary>
    public const int MaxBytes = 4096;

    /// <summary>Null when <paramref name="path"/> is absolute and canonical; otherwise what is wrong, to follow "path 'X' ".</summary>
    public static string? Problem(string path)
    {
        if (path.Length == 0) return "is empty";
        if (path[0] != '/') return "must be absolute";
        if (path.Any(char.IsControl)) return "contains a control character";
        if (System.Text.Encoding.UTF8.GetByteCount(path) >= MaxBytes) return $"is longer than {MaxBytes - 1} bytes";
        if (path.Contains("//")) return "must be canonical (it contains '//')";
        foreach (var part in path.Split('/'))
            if (part is "." or "..")
                return $"must be canonical (it contains a '{part}' component)";
        return null;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="dir"/> or lies below it (whole components only).</summary>
    public static bool IsUnder(string path, string dir)
    {
        var d = dir.TrimEnd('/');
        return d.Length == 0 || path == d || path.StartsWith(d + "/", StringComparison.Ordinal);
    }
}
