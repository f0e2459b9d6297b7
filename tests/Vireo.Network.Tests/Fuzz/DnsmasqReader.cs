using System.Text;

namespace Vireo.Network.Tests.Fuzz;

/// <summary>
/// Reads a dnsmasq configuration line the way dnsmasq's read_file does (option.c): quoted text with
/// its escapes is taken literally, blanks collapse, '#' after a blank starts a comment, the first
/// unquoted '=' ends the key. Tests compare what dnsmasq would see with what was meant.
/// </summary>
public static class DnsmasqReader
{
    /// <summary>One character as dnsmasq holds it: quoted characters are "hidden" from separators.</summary>
    public readonly record struct Ch(char C, bool Quoted);

    /// <summary>The option and its value as dnsmasq sees them, or null for a blank or comment line.</summary>
    public static (string Key, IReadOnlyList<Ch> Value)? Line(string line)
    {
        var chars = new List<Ch>();
        var white = true;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                for (i++; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length && "\"tnebr\\".Contains(line[i + 1]))
                        chars.Add(new(line[++i] switch { 't' => '\t', 'n' => '\n', 'e' => '\x1b', 'b' => '\b', 'r' => '\r', var x => x }, true));
                    else chars.Add(new(line[i], true));
                }
                if (i >= line.Length) throw new FormatException("missing \"");
                continue;
            }
            if (char.IsWhiteSpace(c)) { chars.Add(new(' ', false)); white = true; }
            else if (white && c == '#') break;
            else { chars.Add(new(c, false)); white = false; }
        }
        var start = chars.FindIndex(x => x.Quoted || x.C != ' ');
        if (start < 0) return null;
        var end = chars.FindLastIndex(x => x.Quoted || x.C != ' ');
        chars = chars.GetRange(start, end - start + 1);
        var eq = chars.FindIndex(x => !x.Quoted && x.C == '=');
        var key = new string((eq < 0 ? chars : chars.GetRange(0, eq)).Select(x => x.C).ToArray()).Trim();
        var value = eq < 0 ? [] : chars.GetRange(eq + 1, chars.Count - eq - 1).SkipWhile(x => !x.Quoted && x.C == ' ').ToList();
        return (key, value);
    }

    /// <summary>Splits a value at unquoted commas, as dnsmasq's option parsers do.</summary>
    public static IReadOnlyList<string> Fields(IReadOnlyList<Ch> value)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        foreach (var ch in value)
        {
            if (!ch.Quoted && ch.C == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch.C);
        }
        fields.Add(sb.ToString());
        return fields;
    }

    /// <summary>The keys of every option line, in order.</summary>
    public static IReadOnlyList<string> Keys(string conf) =>
        conf.Split('\n').Select(Line).Where(l => l is not null).Select(l => l!.Value.Key).ToList();
}
