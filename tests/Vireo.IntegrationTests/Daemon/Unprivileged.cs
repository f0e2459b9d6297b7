using System.Diagnostics;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>Runs the vireo CLI or curl as user nobody (setpriv, no supplementary groups): what any local user can do.</summary>
public static class Unprivileged
{
    private static readonly string[] AsNobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

    public static Task<RunResult> Vireo(params string[] args) => RunAsync([.. AsNobody, .. Repo.CliCommand, .. args]);

    public static Task<RunResult> Curl(params string[] args) => RunAsync([.. AsNobody, "curl", "-sS", .. args]);

    /// <summary>curl as root (the socket's owner), for requests the CLI never sends (a browser's).</summary>
    public static Task<RunResult> CurlAsRoot(params string[] args) => RunAsync(["curl", "-sS", .. args]);

    /// <summary>A directory and files nobody can read (the CLI reads its XML files itself).</summary>
    public static string ReadableDir()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-nobody-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }

    public static string Write(string dir, string name, string text, UnixFileMode mode = (UnixFileMode)0b110_100_100)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static async Task<RunResult> RunAsync(IReadOnlyList<string> argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        // nobody's home does not exist; keep the CLI and curl from looking for one.
        psi.Environment["HOME"] = "/tmp";
        psi.Environment["DOTNET_CLI_HOME"] = "/tmp";
        psi.Environment.Remove("VIREO_TOKEN_FILE");
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return new RunResult(p.ExitCode, await stdout, await stderr);
    }
}
