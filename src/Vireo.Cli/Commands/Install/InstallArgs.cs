using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands.Install;

/// <summary>virt-install's command line: --opt value or --opt=value, repeatable --disk/--network/--initrd-inject, its short forms.</summary>
public sealed class InstallArgs
{
    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["-n"] = "--name", ["-r"] = "--memory", ["--ram"] = "--memory", ["-x"] = "--extra-args", ["-l"] = "--location", ["-c"] = "--cdrom",
        ["-w"] = "--network", ["--os-variant"] = "--osinfo", ["-h"] = "--help", ["-d"] = "--debug", ["--nographics"] = "--graphics=none",
    };

    /// <summary>Options that take no value.</summary>
    private static readonly HashSet<string> Flags =
        ["--import", "--pxe", "--noautoconsole", "--noreboot", "--transient", "--autostart", "--print-xml", "--dry-run", "--help", "--debug", "--quiet", "--hvm"];

    /// <summary>Options whose value is optional (--cloud-init alone generates a root password; --wait alone waits forever).</summary>
    private static readonly HashSet<string> OptionalValue = ["--cloud-init", "--wait"];

    private static readonly HashSet<string> Repeatable = ["--disk", "--network", "--initrd-inject", "--serial", "--console"];

    private static readonly HashSet<string> Known =
    [
        "--name", "--memory", "--vcpus", "--cpu", "--virt-type", "--arch", "--machine", "--osinfo", "--location", "--cdrom", "--boot",
        "--disk", "--network", "--graphics", "--console", "--serial", "--extra-args", "--initrd-inject", "--cloud-init", "--autoconsole",
        "--wait", "--check", "--video", "--channel", "--rng", "--memballoon", "--controller", "--input", "--sound", "--features", "--clock",
    ];

    public Dictionary<string, List<string?>> Values { get; } = [];

    public static InstallArgs Parse(string[] args)
    {
        var a = new InstallArgs();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (Aliases.TryGetValue(arg, out var alias)) arg = alias;
            if (arg.StartsWith("--") && arg.IndexOf('=') is var eq and > 0) { inline = arg[(eq + 1)..]; arg = arg[..eq]; }
            if (Aliases.TryGetValue(arg, out alias)) arg = alias;
            if (!arg.StartsWith('-')) throw new CliException($"unrecognized argument '{arg}' (virt-install takes only --options)");
            if (!Flags.Contains(arg) && !Known.Contains(arg) && !OptionalValue.Contains(arg))
                throw new CliException($"unrecognized option '{arg}'. See 'vireo install --help'.");
            string? value = inline;
            if (value is null && !Flags.Contains(arg))
            {
                if (i + 1 < args.Length && (!args[i + 1].StartsWith("--") || !OptionalValue.Contains(arg))) value = args[++i];
                else if (!OptionalValue.Contains(arg)) throw new CliException($"option {arg} needs a value");
            }
            if (!a.Values.TryGetValue(arg, out var list)) a.Values[arg] = list = [];
            if (list.Count > 0 && !Repeatable.Contains(arg)) throw new CliException($"option {arg} was given more than once");
            list.Add(value);
        }
        return a;
    }

    public bool Has(string opt) => Values.ContainsKey(opt);
    public string? this[string opt] => Values.TryGetValue(opt, out var v) ? v[0] : null;
    public IReadOnlyList<string?> All(string opt) => Values.TryGetValue(opt, out var v) ? v : [];

    /// <summary>"a=1,b=2,bare": sub-options; a leading bare item comes back under <paramref name="firstKey"/>.</summary>
    public static Dictionary<string, string> SubOptions(string value, string option, string? firstKey = null)
    {
        var d = new Dictionary<string, string>();
        var parts = value.Split(',');
        for (var i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            var eq = p.IndexOf('=');
            if (eq < 0)
            {
                if (i == 0 && firstKey is not null) { d[firstKey] = p; continue; }
                d[p] = "on";
                continue;
            }
            d[p[..eq]] = p[(eq + 1)..];
        }
        return d;
    }

    public static long ParseNumber(string text, string option) =>
        long.TryParse(text, out var n) ? n : throw new CliException($"{option}: '{text}' is not a number");

    public static double ParseSize(string text, string option) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
            : throw new CliException($"{option}: size '{text}' is not a number (GiB)");
}
