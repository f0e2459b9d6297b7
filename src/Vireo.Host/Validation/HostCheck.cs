namespace Vireo.Host.Validation;

public enum CheckResult { Pass, Warn, Fail }

/// <summary>One line of host-validate: "QEMU: Checking for hardware virtualization : PASS", with the fix for a WARN or FAIL.</summary>
public sealed record HostCheck(string Hypervisor, string Description, CheckResult Result, string? Hint = null, string? Detail = null)
{
    public string ResultText => Result.ToString().ToUpperInvariant();

    /// <summary>virt-host-validate's layout: "  QEMU: Checking for ... : PASS", the hint (or a detail) in parentheses.</summary>
    public string Format(bool color = false)
    {
        var result = color ? (Result switch { CheckResult.Pass => "\u001b[32m", CheckResult.Warn => "\u001b[33m", _ => "\u001b[31m" }) + ResultText + "\u001b[0m" : ResultText;
        var note = Hint ?? Detail;
        return $"{Hypervisor,6}: Checking {Description,-60}: {result}{(note is null ? "" : $" ({note})")}";
    }
}

/// <summary>
/// What the checks read, under a root so tests use a fixture tree: /proc, /sys and /dev files, plus
/// the output of commands (the QEMU binary's version and accelerators) through <see cref="Run"/>.
/// </summary>
public sealed class HostTree(string root = "/", Func<IReadOnlyList<string>, string?>? run = null)
{
    public string Root { get; } = root;

    /// <summary>Runs a command of the host (argv[0] a path under the root), returning stdout or null if it fails.</summary>
    public Func<IReadOnlyList<string>, string?> Run { get; } = run ?? DefaultRun;

    public string P(string path) => Path.Combine(Root, path.TrimStart('/'));
    public bool Exists(string path) => File.Exists(P(path)) || Directory.Exists(P(path));
    public string Read(string path) => File.Exists(P(path)) ? File.ReadAllText(P(path)) : "";
    public bool HasEntries(string dir) => Directory.Exists(P(dir)) && Directory.EnumerateFileSystemEntries(P(dir)).Any();

    private static string? DefaultRun(IReadOnlyList<string> argv)
    {
        try
        {
            var r = new Processes.ProcessRunner().RunAsync(argv, check: false).GetAwaiter().GetResult();
            return r.ExitCode == 0 ? r.Stdout : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
