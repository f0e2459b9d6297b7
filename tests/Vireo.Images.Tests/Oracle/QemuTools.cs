using System.Diagnostics;

namespace Vireo.Images.Tests.Oracle;

/// <summary>qemu-img and qemu-io, the reference implementation the image tests compare against.</summary>
public static class QemuTools
{
    public static bool Available => File.Exists("/usr/bin/qemu-img") && File.Exists("/usr/bin/qemu-io");
    public const string Missing = "qemu-img/qemu-io are not installed (test.sh installs qemu-utils)";

    public static (int Exit, string Out, string Err) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }

    /// <summary>Runs a tool with a time bound: the process is killed when <paramref name="ct"/> fires.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string tool, CancellationToken ct, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync(ct);
        var e = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return (p.ExitCode, await o, await e);
    }

    public static string Img(params string[] args)
    {
        var r = Run("qemu-img", args);
        Assert.True(r.Exit == 0, $"qemu-img {string.Join(' ', args)} failed ({r.Exit}): {r.Err}{r.Out}");
        return r.Out;
    }

    public static void Io(string image, string format, IEnumerable<string> commands)
    {
        var args = new List<string> { "-f", format };
        foreach (var c in commands) { args.Add("-c"); args.Add(c); }
        args.Add(image);
        var r = Run("qemu-io", [.. args]);
        var failures = r.Out.Split('\n').Where(l => l.Contains("failed")).ToList();
        Assert.True(r.Exit == 0 && failures.Count == 0, $"qemu-io failed: {string.Join("\n", failures)} {r.Err}");
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("vireo-img-").FullName;
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose() => Directory.Delete(Path, true);
}
