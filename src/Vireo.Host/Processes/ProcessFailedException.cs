namespace Vireo.Host.Processes;

/// <summary>An external tool failed. The message quotes its trimmed stderr.</summary>
public sealed class ProcessFailedException(IReadOnlyList<string> argv, int exitCode, string stderr)
    : Exception($"{argv[0]} exited with status {exitCode}: {Trim(stderr)}")
{
    public IReadOnlyList<string> Argv { get; } = argv;
    public int ExitCode { get; } = exitCode;
    public string Stderr { get; } = stderr;

    private static string Trim(string s)
    {
        var t = s.Trim();
        return t.Length == 0 ? "(no error output)" : t.Length > 2000 ? t[..2000] + "..." : t;
    }
}
