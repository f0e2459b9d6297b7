using System.Text;

namespace Vireo.Core.Names;

/// <summary>Character checks shared by the name and token rules, and a safe way to quote bad input in messages.</summary>
public static class Text
{
    /// <summary>The first control character (C0, DEL, C1; NUL included), or null.</summary>
    public static char? FirstControl(string s)
    {
        foreach (var c in s)
            if (char.IsControl(c)) return c;
        return null;
    }

    /// <summary>True when every surrogate is paired, so the text has a UTF-8 form.</summary>
    public static bool IsValidUnicode(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }

    /// <summary>"U+000A (newline)": how a refused character is named in a message.</summary>
    public static string Describe(char c) => c switch
    {
        '\n' => "U+000A (newline)",
        '\r' => "U+000D (carriage return)",
        '\0' => "U+0000 (NUL)",
        '\t' => "U+0009 (tab)",
        _ => $"U+{(int)c:X4}",
    };

    /// <summary>
    /// The text with control characters written as \n, \r, \t or \uXXXX and cut to 100 characters, so an
    /// error message quoting bad input stays on one line and short.
    /// </summary>
    public static string Printable(string s)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (sb.Length >= 100) return sb.Append("...").ToString();
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[++i]); continue; }
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
