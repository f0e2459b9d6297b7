namespace Vireo.Core.Names;

/// <summary>
/// Host and domain names as DNS and dnsmasq take them: dot-separated labels of 1-63 characters,
/// at most 253 characters in all, no empty label (so no leading or doubled dot; one trailing dot,
/// the root of a fully qualified name, is allowed).
/// </summary>
public static class DnsNames
{
    public const int MaxLength = 253;
    public const int MaxLabel = 63;

    /// <summary>
    /// A host name per RFC 1123: labels of letters, digits and '-', not starting or ending with '-'.
    /// Returns what is wrong, or null.
    /// </summary>
    public static string? HostNameProblem(string name) => Problem(name, underscore: false);

    /// <summary>
    /// A DNS name that may also carry '_' (service labels such as _ldap._tcp, TXT names such as _dmarc):
    /// what a domain, a forwarder's domain, a TXT or SRV name may be. Returns what is wrong, or null.
    /// </summary>
    public static string? DomainNameProblem(string name) => Problem(name, underscore: true);

    private static string? Problem(string name, bool underscore)
    {
        if (name.Length == 0) return "must not be empty";
        if (name.Length > MaxLength) return $"is longer than {MaxLength} characters";
        // A fully qualified name may end with the root's dot ("host.example.com.").
        if (name.Length > 1 && name[^1] == '.') name = name[..^1];
        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0) return "has an empty label (a leading, trailing or doubled '.')";
            if (label.Length > MaxLabel) return $"has a label longer than {MaxLabel} characters";
            if (label[0] == '-' || label[^1] == '-') return $"has a label starting or ending with '-' ('{Text.Printable(label)}')";
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || (underscore && c == '_')))
                    return $"may only contain letters, digits, '-'{(underscore ? ", '_'" : "")} and '.' (found {Quote(c)})";
        }
        return null;
    }

    internal static string Quote(char c) => char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c) ? Text.Describe(c) : $"'{c}'";
}
