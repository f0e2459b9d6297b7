using Vireo.Host.Validation;

namespace Vireo.Cli.Commands;

/// <summary>
/// 'vireo host-validate [qemu|lxc] [--json] [-q]': virt-host-validate's checks and layout, run locally.
/// Exits 1 when a check FAILs (a WARN does not), as virt-host-validate does.
/// </summary>
public static class HostValidateCommand
{
    public const string Usage = """
        usage: vireo host-validate [OPTIONS] [HV-TYPE]

          Validate that the host is ready to run guests (virt-host-validate compatible).
          HV-TYPE: qemu or lxc (default: both)

          --json       print the results as JSON
          -q, --quiet  print nothing; the exit status tells (0: no failures, 1: failures)
          --root DIR   check the host tree under DIR instead of / (for fixtures)
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool color)
    {
        string? hv = null, root = null;
        bool json = false, quiet = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help": stdout.WriteLine(Usage); return 0;
                case "--json": json = true; break;
                case "-q" or "--quiet": quiet = true; break;
                case "--root" when i + 1 < args.Length: root = args[++i]; break;
                case var a when !a.StartsWith('-') && hv is null:
                    if (!HostValidator.Hypervisors.Contains(a))
                    {
                        stderr.WriteLine($"error: unsupported hypervisor name '{a}' (known: {string.Join(", ", HostValidator.Hypervisors)})");
                        return 1;
                    }
                    hv = a;
                    break;
                default:
                    stderr.WriteLine($"error: unsupported option '{args[i]}'. See 'vireo host-validate --help'.");
                    return 1;
            }
        }
        var checks = HostValidator.Validate(new HostTree(root ?? "/"), hv);
        if (json) stdout.WriteLine(ToJson(checks));
        else if (!quiet) foreach (var c in checks) stdout.WriteLine(c.Format(color));
        return checks.Any(c => c.Result == CheckResult.Fail) ? 1 : 0;
    }

    private static string ToJson(IReadOnlyList<HostCheck> checks)
    {
        // Written by hand: the CLI is trimmed/AOT, and the shape is flat.
        static string S(string? v) => v is null ? "null" : "\"" + string.Concat(v.Select(ch => ch switch
        {
            '"' => "\\\"", '\\' => "\\\\", < ' ' => $"\\u{(int)ch:x4}", _ => ch.ToString(),
        })) + "\"";
        var rows = checks.Select(c => $"  {{\"hypervisor\": {S(c.Hypervisor)}, \"check\": {S(c.Description)}, \"result\": {S(c.ResultText)}, " +
                                      $"\"hint\": {S(c.Hint)}, \"detail\": {S(c.Detail)}}}");
        return "[\n" + string.Join(",\n", rows) + "\n]";
    }
}
