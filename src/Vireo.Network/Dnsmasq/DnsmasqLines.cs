using System.Text;
using Vireo.Core.Errors;
using Vireo.Core.Names;

namespace Vireo.Network.Dnsmasq;

/// <summary>
/// Writes dnsmasq's line-based files and refuses any value that would change their structure:
/// a control character (a newline starts a new option: that is how dhcp-script= was injected),
/// a quote (dnsmasq's quoting hides separators), a '#' after a blank (the rest becomes a comment),
/// a field separator inside a field, or a line longer than dnsmasq reads in one piece. Values
/// are validated when a network is defined; this is the second line of defence.
/// </summary>
/// <param name="file">What is being written ("configuration", "hosts file"), for the refusal message.</param>
public sealed class DnsmasqLines(string file)
{
    /// <summary>dnsmasq reads lines with fgets into a MAXDNAME (1025) buffer: a longer line would be read as two.</summary>
    public const int MaxLineBytes = 1023;

    private readonly StringBuilder _sb = new();

    public void Comment(string text) => Line("# " + Checked(text, "comment", quotesAllowed: true));

    /// <summary>An option without a value ("bind-dynamic").</summary>
    public void Option(string key) => Line(key);

    /// <summary>"key=value"; <paramref name="value"/> is built from <see cref="Field"/> and <see cref="Quoted"/> parts.</summary>
    public void Option(string key, string value, bool quoted = false) => Line(key + "=" + Checked(value, key, quoted));

    /// <summary>One line of a hosts file: fields already checked with <see cref="Field"/>, joined by <paramref name="separator"/>.</summary>
    public void Record(char separator, IEnumerable<string> fields) => Line(string.Join(separator, fields));

    /// <summary>
    /// A value placed between separators: refused if it holds any of <paramref name="separators"/>,
    /// a control character, a quote, a blank or '#'.
    /// </summary>
    public string Field(string value, string what, string separators = ",")
    {
        foreach (var c in value)
            if (char.IsControl(c) || char.IsWhiteSpace(c) || c is '"' or '#' || separators.Contains(c))
                throw Refuse(what, value, $"contains {Describe(c)}");
        return value;
    }

    /// <summary>A free-text value as one dnsmasq quoted string: '\' and '"' escaped, every separator kept literally.</summary>
    public string Quoted(string value, string what)
    {
        if (Text.FirstControl(value) is { } c) throw Refuse(what, value, $"contains {Text.Describe(c)}");
        return "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private string Checked(string value, string what, bool quotesAllowed)
    {
        if (Text.FirstControl(value) is { } c) throw Refuse(what, value, $"contains {Text.Describe(c)}");
        if (!quotesAllowed && value.Contains('"')) throw Refuse(what, value, "contains '\"'");
        for (var i = 1; i < value.Length && !quotesAllowed; i++)
            if (value[i] == '#' && char.IsWhiteSpace(value[i - 1])) throw Refuse(what, value, "contains a blank followed by '#'");
        return value;
    }

    private void Line(string line)
    {
        var bytes = Encoding.UTF8.GetByteCount(line);
        if (bytes > MaxLineBytes)
            throw Refuse(line[..Math.Min(line.Length, 40)], line, $"makes a line of {bytes} bytes (dnsmasq reads at most {MaxLineBytes})");
        _sb.Append(line).Append('\n');
    }

    private VireoException Refuse(string what, string value, string why) =>
        new(ErrorCode.ConfigUnsupported, $"refusing to write dnsmasq {file}: {what} value '{Text.Printable(value)}' {why}");

    private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? Text.Describe(c) : $"'{c}'";

    /// <summary>The lines written so far, each ending in '\n'.</summary>
    public override string ToString() => _sb.ToString();
}
