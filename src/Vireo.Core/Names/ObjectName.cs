using System.Text;
using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Names;

/// <summary>
/// The one rule for names that become file names and configuration tokens: domains, networks,
/// storage pools and storage volumes. As libvirt: not empty, no '/', not "." or "..", no newline;
/// Vireo also refuses every other control character (C0, DEL, C1, NUL), text that is not valid
/// Unicode, and names longer than <see cref="MaxBytes"/> bytes of UTF-8.
/// </summary>
public static class ObjectName
{
    /// <summary>
    /// 192 bytes: the longest suffix Vireo appends to a name (".hostsfile", ".console.log") plus the
    /// temporary name of an atomic write (".NAME.SUFFIX.PID.GUID.tmp") still fit NAME_MAX (255 bytes).
    /// </summary>
    public const int MaxBytes = 192;

    /// <summary>What is wrong with <paramref name="name"/> as an object name, or null when it is fine.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "must not be empty";
        if (name is "." or "..") return "must not be '.' or '..'";
        if (Text.FirstControl(name) is { } c) return $"must not contain control characters (found {Text.Describe(c)})";
        if (name.Contains('/')) return "must not contain '/'";
        if (!Text.IsValidUnicode(name)) return "is not valid Unicode (an unpaired surrogate)";
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxBytes) return $"is too long ({bytes} bytes of UTF-8, at most {MaxBytes})";
        return null;
    }

    /// <summary>
    /// Adds a problem for <paramref name="name"/> naming the element it came from, e.g.
    /// "&lt;name&gt; (line 2): domain name 'a/b' must not contain '/'".
    /// </summary>
    public static void Check(string name, string what, XElement? element, List<string> problems)
    {
        if (Problem(name) is not { } p) return;
        var where = element is null ? "" : SafeXml.Where(element) + ": ";
        problems.Add(name.Length == 0 ? $"{where}{what} name is missing" : $"{where}{what} name '{Text.Printable(name)}' {p}");
    }

    /// <summary>
    /// Defence in depth for code that turns a name into a path or a token (the daemon's stores, the
    /// network driver): throws <see cref="ErrorCode.InvalidArgument"/> when the name breaks the rule.
    /// </summary>
    public static string EnsureValid(string name, string what)
    {
        if (Problem(name) is { } p)
            throw new VireoException(ErrorCode.InvalidArgument, $"invalid {what} name '{Text.Printable(name)}': {p}");
        return name;
    }
}
