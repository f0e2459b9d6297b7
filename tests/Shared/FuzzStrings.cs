using System.Text;

namespace Vireo.Tests.Shared;

/// <summary>
/// Deterministic hostile strings for fuzz tests: pieces that break line-, comma-, quote- and
/// path-based formats (newlines, NUL, quotes, commas, '#', '=', blanks, '..', '/', non-ASCII,
/// very long runs), mixed with ordinary text. The same seed always gives the same values.
/// </summary>
public static class FuzzStrings
{
    private static readonly string[] Pieces =
    [
        "\n", "\r", "\r\n", "\0", "\t", "\u0085", "\u007f", "\u2028", "\"", "'", "\\", ",", ",,", "#", " #", "=", " ", "  ",
        ";", "{", "}", "*", "%", "$", "&", "<", ">", "/", "..", ".", "-", "_", ":", "@", "[", "]", "ü", "日本", "😀",
        "dhcp-script=/tmp/pwn", "\ndhcp-script=/tmp/pwn\n", ",script=/tmp/pwn", " accept\n", "a", "vm", "host", "0", "42",
        "192.0.2.1", "fe80::1%eth0", "example.com", "-rf", "\ud800",
    ];

    /// <summary>A value of 1-8 pieces, or now and then a very long run (300-1200 characters).</summary>
    public static string Next(Random r)
    {
        if (r.Next(12) == 0) return new string((char)('a' + r.Next(26)), 300 + r.Next(900)) + (r.Next(2) == 0 ? "\n" : "");
        var sb = new StringBuilder();
        for (var i = 1 + r.Next(8); i > 0; i--) sb.Append(Pieces[r.Next(Pieces.Length)]);
        return sb.ToString();
    }

    /// <summary><paramref name="count"/> values from <paramref name="seed"/>.</summary>
    public static IEnumerable<string> Values(int seed, int count)
    {
        var r = new Random(seed);
        for (var i = 0; i < count; i++) yield return Next(r);
    }

    /// <summary>
    /// The value as XML character data for an attribute or element: markup characters and every
    /// control character as references, so a newline reaches the parser as a newline. A character
    /// XML cannot carry at all (NUL, a lone surrogate) is written as a reference too: the parser refuses it.
    /// </summary>
    public static string Xml(string value)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { sb.Append(c).Append(value[++i]); continue; }
            sb.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '\'' => "&apos;",
                '"' => "&quot;",
                _ when c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || char.IsSurrogate(c) => $"&#x{(int)c:x};",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
