using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img's option syntax: getopt short options ("f:O:c" — a colon takes a value), --long[=value], then operands.</summary>
public sealed class ImgArgs
{
    private readonly Dictionary<string, List<string>> _values = new();

    public List<string> Operands { get; } = [];

    public string? this[string opt] => _values.TryGetValue(opt, out var v) ? v[^1] : null;
    public IReadOnlyList<string> All(string opt) => _values.TryGetValue(opt, out var v) ? v : [];
    public bool Has(string opt) => _values.ContainsKey(opt);

    public static ImgArgs Parse(string command, IReadOnlyList<string> args, string shortSpec, params string[] longSpec)
    {
        var r = new ImgArgs();
        void Add(string k, string v) { if (!r._values.TryGetValue(k, out var l)) r._values[k] = l = []; l.Add(v); }
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { r.Operands.AddRange(args.Skip(i + 1)); break; }
            if (a.StartsWith("--"))
            {
                var (name, value) = a.IndexOf('=') is var eq and > 0 ? (a[2..eq], a[(eq + 1)..]) : (a[2..], null);
                var spec = longSpec.FirstOrDefault(s => s.TrimEnd('=') == name)
                    ?? throw new CliException($"{command}: unrecognized option '--{name}'");
                if (spec.EndsWith('='))
                    Add(name, value ?? (i + 1 < args.Count ? args[++i] : throw new CliException($"{command}: option '--{name}' requires an argument")));
                else if (value is not null) throw new CliException($"{command}: option '--{name}' doesn't allow an argument");
                else Add(name, "");
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                for (var j = 1; j < a.Length; j++)
                {
                    var c = a[j];
                    var at = shortSpec.IndexOf(c);
                    if (at < 0 || c == ':') throw new CliException($"{command}: invalid option -- '{c}'");
                    if (at + 1 < shortSpec.Length && shortSpec[at + 1] == ':')
                    {
                        var v = j + 1 < a.Length ? a[(j + 1)..] : i + 1 < args.Count ? args[++i] : throw new CliException($"{command}: option requires an argument -- '{c}'");
                        Add(c.ToString(), v);
                        break;
                    }
                    Add(c.ToString(), "");
                }
                continue;
            }
            r.Operands.Add(a);
        }
        return r;
    }

    /// <summary>qemu-img's message for a missing image file.</summary>
    public static void RequireFile(string file)
    {
        if (!File.Exists(file)) throw new CliException($"Could not open '{file}': Could not open '{file}': No such file or directory");
    }

    /// <summary>-o a=1,b=2 (may be given several times); ",," is a literal comma, as in qemu.</summary>
    public Dictionary<string, string> CreateOptions()
    {
        var result = new Dictionary<string, string>();
        foreach (var o in All("o"))
        {
            foreach (var part in o.Replace(",,", "\u0001").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = part.Replace('\u0001', ',');
                var eq = kv.IndexOf('=');
                if (eq < 0) result[kv] = "on";
                else result[kv[..eq]] = kv[(eq + 1)..];
            }
        }
        return result;
    }
}
