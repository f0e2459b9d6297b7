using System.Text;

namespace Vireo.Core.Names;

/// <summary>
/// A Linux network interface name (bridge, tap, macvtap, forward device): the kernel's rule
/// (dev_valid_name: 1-15 bytes, not "." or "..", no '/', ':' or whitespace), plus no control
/// characters, no ',' or '#' (dnsmasq's list separator and comment) and none of '"', '\' and '*',
/// which nftables' quoted strings cannot carry literally.
/// </summary>
public static class InterfaceName
{
    /// <summary>IFNAMSIZ (16) less the terminating NUL.</summary>
    public const int MaxBytes = 15;

    public static string? Problem(string name)
    {
        if (name.Length == 0) return "must not be empty";
        if (name is "." or "..") return "must not be '.' or '..'";
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxBytes) return $"is too long ({bytes} bytes, at most {MaxBytes})";
        foreach (var c in name)
            if (c is '/' or ':' or ',' or '#' or '"' or '\\' or '*' || char.IsWhiteSpace(c) || char.IsControl(c) || char.IsSurrogate(c))
                return $"must not contain {DnsNames.Quote(c)}";
        return null;
    }

    public static bool IsValid(string name) => Problem(name) is null;
}
