using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>
/// Secret arguments of HMP command lines (human-monitor-command), found by each command's grammar, with
/// HMP's quoting ("a b" is one argument): set_password's password, 'change vnc password's password,
/// object_add's secret values and qom-set's value for a secret property. Other commands pass unchanged.
/// </summary>
public static class HmpRedactor
{
    private readonly record struct Token(int Start, int Length, string Text);

    public static string Redact(string commandLine)
    {
        var tokens = Tokenize(commandLine);
        if (tokens.Count == 0) return commandLine;
        switch (tokens[0].Text)
        {
            case "set_password":
            {
                // set_password [-d display] protocol password [action-if-connected]
                var i = 1;
                while (i < tokens.Count && tokens[i].Text.StartsWith('-')) i += tokens[i].Text == "-d" ? 2 : 1;
                return Replace(commandLine, tokens, i + 1);
            }
            case "change" when tokens.Count > 2 && tokens[1].Text == "vnc" && tokens[2].Text is "password" or "passwd":
                return Replace(commandLine, tokens, 3);
            case "object_add" or "object-add" when tokens.Count > 1:
            {
                var start = tokens[1].Start;
                return commandLine[..start] + RedactObject(commandLine[start..].TrimEnd());
            }
            case "qom-set" or "qom_set":
            {
                // qom-set [-j] path property value
                var i = tokens.Count > 1 && tokens[1].Text == "-j" ? 2 : 1;
                var property = i + 1 < tokens.Count ? tokens[i + 1].Text : "";
                return property is "password" or "passwd" or "secret" or "data" or "iv" ? Replace(commandLine, tokens, i + 2) : commandLine;
            }
            default:
                return commandLine;
        }
    }

    /// <summary>object_add takes QemuOpts or, since QEMU 6, JSON; anything it cannot parse is hidden whole.</summary>
    private static string RedactObject(string spec)
    {
        if (!spec.StartsWith('{')) return QemuOptsRedactor.Redact(spec, isObject: true);
        try
        {
            var node = JsonNode.Parse(spec);
            QmpRedactor.HideIn(node);
            return node is null ? QmpRedactor.Hidden : QmpRedactor.Format(node);
        }
        catch (System.Text.Json.JsonException) { return QmpRedactor.Hidden; }
    }

    private static string Replace(string line, List<Token> tokens, int index)
    {
        if (index >= tokens.Count) return line;
        var t = tokens[index];
        return line[..t.Start] + QmpRedactor.Hidden + line[(t.Start + t.Length)..];
    }

    /// <summary>Splits on blanks; a double-quoted argument runs to its closing quote, with backslash escapes (HMP's get_str).</summary>
    private static List<Token> Tokenize(string line)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) return tokens;
            var start = i;
            if (line[i] == '"')
            {
                for (i++; i < line.Length && line[i] != '"'; i++)
                    if (line[i] == '\\') i++;
                i = Math.Min(i + 1, line.Length);
            }
            else
                while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            tokens.Add(new Token(start, i - start, line[start..i]));
        }
    }
}
