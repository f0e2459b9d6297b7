namespace Vireo.Cli.Parsing;

/// <summary>What a command accepts: positional names (also settable as --name VALUE), value options and flags.</summary>
public sealed record CommandSpec(string Name, string Summary, string[] Positionals, string[] Options, string[] Flags, int Required = 0)
{
    public string Usage =>
        $"{Name} {string.Join(' ', Positionals.Select((p, i) => i < Required ? $"<{p}>" : $"[<{p}>]"))}" +
        string.Concat(Options.Select(o => $" [--{o} <value>]")) + string.Concat(Flags.Select(f => $" [--{f}]"));
}

/// <summary>A parsed command line, with virsh's rules: "--opt value", "--opt=value", and --NAME for a positional.</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, string> _values = new();
    private readonly HashSet<string> _flags = new();

    public string? this[string name] => _values.TryGetValue(name, out var v) ? v : null;
    public bool Has(string flag) => _flags.Contains(flag);

    public string Required(string name) => this[name] ?? throw new CliException($"command requires <{name}> option");

    public int? Int(string name)
    {
        var v = this[name];
        if (v is null) return null;
        return int.TryParse(v, out var n) ? n : throw new CliException($"option --{name}: '{v}' is not a number");
    }

    public static ParsedArgs Parse(CommandSpec spec, IReadOnlyList<string> args)
    {
        var p = new ParsedArgs();
        var positional = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.StartsWith("--") && a.Length > 2)
            {
                var name = a[2..];
                string? inline = null;
                if (name.IndexOf('=') is var eq and > 0) (name, inline) = (name[..eq], name[(eq + 1)..]);
                if (spec.Flags.Contains(name))
                {
                    if (inline is not null) throw new CliException($"option --{name} does not take a value");
                    p._flags.Add(name);
                }
                else if (spec.Options.Contains(name) || spec.Positionals.Contains(name))
                {
                    var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new CliException($"option --{name} needs a value"));
                    p._values[name] = value;
                }
                else throw new CliException($"command '{spec.Name}' doesn't support option --{name}");
            }
            else
            {
                while (positional < spec.Positionals.Length && p._values.ContainsKey(spec.Positionals[positional])) positional++;
                if (positional >= spec.Positionals.Length)
                    throw new CliException($"unexpected data '{a}' for command '{spec.Name}'");
                p._values[spec.Positionals[positional++]] = a;
            }
        }
        foreach (var req in spec.Positionals.Take(spec.Required))
            if (!p._values.ContainsKey(req)) throw new CliException($"command '{spec.Name}' requires <{req}> option");
        return p;
    }
}

/// <summary>A usage error; printed as "error: ..." with exit status 1, like virsh.</summary>
public sealed class CliException(string message) : Exception(message);
