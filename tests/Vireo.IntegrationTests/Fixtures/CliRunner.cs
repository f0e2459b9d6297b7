using System.Diagnostics;

namespace Vireo.IntegrationTests.Fixtures;

public static class CliRunner
{
    public static async Task<RunResult> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null,
        TimeSpan? timeout = null, string? stdin = null, Task? interruptWhen = null)
    {
        var psi = new ProcessStartInfo(Repo.CliCommand[0])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var a in Repo.CliCommand.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        // Like pressing Ctrl+C: SIGINT to exactly the process started here.
        // Ctrl+C; then SIGTERM, for when the test run was started as a background job and SIGINT is ignored.
        _ = interruptWhen?.ContinueWith(async _ =>
        {
            try
            {
                if (!p.HasExited) Vireo.Host.Interop.LibC.kill(p.Id, 2);
                await Task.Delay(3000);
                if (!p.HasExited) Vireo.Host.Interop.LibC.kill(p.Id, Vireo.Host.Interop.LibC.SIGTERM);
            }
            catch (InvalidOperationException) { /* finished and disposed meanwhile */ }
        });
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException)
        {
            p.Kill();
            throw new TimeoutException($"vireo {string.Join(' ', args)} did not finish: {await stdout} {await stderr}");
        }
        return new RunResult(p.ExitCode, await stdout, await stderr);
    }
}
