using System.Diagnostics;

namespace Vireo.Host.Processes;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Every external tool Vireo runs goes through this, so tests can record or fake it.</summary>
public interface IProcessRunner
{
    /// <summary>Runs argv to completion, feeding it <paramref name="stdin"/> if given. Throws <see cref="ProcessFailedException"/> on a non-zero exit unless <paramref name="check"/> is false.</summary>
    Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, bool check = true, IReadOnlyDictionary<string, string>? env = null,
        CancellationToken ct = default, string? stdin = null);
}

public sealed class ProcessRunner : IProcessRunner
{
    /// <summary>Pids started here and not yet waited for, so the orphan reaper leaves them to .NET.</summary>
    internal static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> Pending = new();

    public async Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, bool check = true,
        IReadOnlyDictionary<string, string>? env = null, CancellationToken ct = default, string? stdin = null)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = new Process { StartInfo = psi };
        try { p.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ProcessFailedException(argv, 127, $"cannot run {argv[0]}: {e.Message}");
        }
        Pending.TryAdd(p.Id, 0);
        try
        {
            if (stdin is not null) await p.StandardInput.WriteAsync(stdin.AsMemory(), ct);
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync(ct);
            var stderr = p.StandardError.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            var result = new ProcessResult(p.ExitCode, await stdout, await stderr);
            if (check && result.ExitCode != 0)
                throw new ProcessFailedException(argv, result.ExitCode, result.Stderr.Length > 0 ? result.Stderr : result.Stdout);
            return result;
        }
        finally { Pending.TryRemove(p.Id, out _); }
    }
}
