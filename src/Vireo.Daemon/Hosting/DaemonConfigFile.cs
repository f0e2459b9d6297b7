using System.Text;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// Reads ROOT/etc/vireo/vireod.conf, in the syntax of libvirt's qemu.conf: one <c>key = value</c>
/// per line, '#' comments, values as "strings", integers or ["lists", "of strings"]. Unknown keys and
/// malformed lines are errors that name the file and line: a setting silently ignored is a setting
/// the administrator believes is in force.
/// </summary>
public static class DaemonConfigFile
{
    public const string RelativePath = "etc/vireo/vireod.conf";

    public static DaemonOptions Apply(DaemonOptions o, string path)
    {
        if (!File.Exists(path)) return o;
        var lineNo = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            lineNo++;
            var line = StripComment(raw).Trim();
            if (line.Length == 0) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) throw Bad(path, lineNo, "expected 'key = value'");
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            string Str() => ParseString(value) ?? throw Bad(path, lineNo, $"{key} takes a quoted string");
            int Int() => int.TryParse(value, out var n) && n > 0 ? n : throw Bad(path, lineNo, $"{key} takes a positive integer");
            bool Bool() => value switch { "0" => false, "1" => true, _ => throw Bad(path, lineNo, $"{key} takes 0 or 1") };
            IReadOnlyList<string> List() => ParseList(value) ?? throw Bad(path, lineNo, $"{key} takes a list of quoted strings: [\"a\", \"b\"]");
            o = key switch
            {
                "listen" => o with { TcpListen = Str() },
                "token_file" => o with { TokenFile = Str() },
                "guest_paths" => o with { GuestPaths = List() },
                "qmp_timeout" => o with { QmpTimeout = TimeSpan.FromSeconds(Int()) },
                "log_group" => o with { LogGroup = Str() },
                "allow_qemu_commandline" => o with { AllowQemuCommandline = Bool() },
                _ => throw Bad(path, lineNo, $"unknown setting '{key}'"),
            };
        }
        return o;
    }

    private static ArgumentException Bad(string path, int line, string what) => new($"{path}:{line}: {what}");

    private static string StripComment(string line)
    {
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"') inString = !inString;
            else if (line[i] == '#' && !inString) return line[..i];
        }
        return line;
    }

    /// <summary>"text" with \" and \\ escapes; null if the value is not exactly one quoted string.</summary>
    private static string? ParseString(string value)
    {
        var i = 0;
        var s = ReadString(value, ref i);
        return s is not null && i == value.Length ? s : null;
    }

    private static IReadOnlyList<string>? ParseList(string value)
    {
        if (value.Length < 2 || value[0] != '[' || value[^1] != ']') return null;
        var items = new List<string>();
        var body = value[1..^1];
        var i = 0;
        while (true)
        {
            while (i < body.Length && char.IsWhiteSpace(body[i])) i++;
            if (i == body.Length) return items;
            if (ReadString(body, ref i) is not { } item) return null;
            items.Add(item);
            while (i < body.Length && char.IsWhiteSpace(body[i])) i++;
            if (i == body.Length) return items;
            if (body[i++] != ',') return null;
        }
    }

    private static string? ReadString(string text, ref int i)
    {
        if (i >= text.Length || text[i] != '"') return null;
        var sb = new StringBuilder();
        for (i++; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"') { i++; return sb.ToString(); }
            if (c == '\\' && i + 1 < text.Length) c = text[++i];
            if (char.IsControl(c)) return null;
            sb.Append(c);
        }
        return null;
    }
}
