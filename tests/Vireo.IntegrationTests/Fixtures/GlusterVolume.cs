using System.Diagnostics;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// A real one-brick GlusterFS volume: glusterd with its own working directory under the test root,
/// bound to 127.0.0.1; the brick host is this machine's hostname, which resolves to loopback (the
/// gluster CLI refuses 127.0.0.1 and localhost as brick hosts).
/// </summary>
public sealed class GlusterVolume : IAsyncDisposable
{
    public const string Name = "gv0";
    private readonly Process _glusterd;

    public string Host { get; } = System.Net.Dns.GetHostName();
    public string Brick { get; }

    private GlusterVolume(Process glusterd, string brick) => (_glusterd, Brick) = (glusterd, brick);

    public static string? Unavailable()
    {
        if (Environment.UserName != "root") return HostLimit.NotRoot.Reason("needs root");
        if (!File.Exists("/usr/sbin/glusterd")) return "glusterfs-server is not installed (test.sh installs it)";
        // Resolved as gluster resolves it (libc's getaddrinfo through getent); .NET adds the interfaces' addresses for its own name.
        var host = System.Net.Dns.GetHostName();
        var psi = new ProcessStartInfo("getent") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("ahosts");
        psi.ArgumentList.Add(host);
        using var p = Process.Start(psi)!;
        var addrs = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).Distinct().ToList();
        p.WaitForExit();
        return addrs.Count > 0 && addrs.All(a => System.Net.IPAddress.TryParse(a, out var ip) && System.Net.IPAddress.IsLoopback(ip)) ? null
            : HostLimit.HostnameNotLoopback.Reason($"hostname '{host}' resolves to {string.Join(", ", addrs)}, not loopback only; refusing to run gluster on a non-loopback address");
    }

    public static async Task<GlusterVolume> StartAsync(string dir)
    {
        var work = Path.Combine(dir, "glusterd");
        var brick = Path.Combine(dir, "brick");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(brick);
        var vol = Path.Combine(dir, "glusterd.vol");
        await File.WriteAllTextAsync(vol, $"""
            volume management
                type mgmt/glusterd
                option working-directory {work}
                option transport-type socket
                option transport.socket.listen-port 24007
                option transport.socket.bind-address 127.0.0.1
                option ping-timeout 0
                option event-threads 1
            end-volume
            """);
        var psi = new ProcessStartInfo("glusterd") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-N", "-f", vol, "-l", Path.Combine(dir, "glusterd.log") }) psi.ArgumentList.Add(a);
        var g = new GlusterVolume(Process.Start(psi)!, brick);
        try
        {
            for (var i = 0; i < 100 && Cli("volume", "list").Exit != 0; i++) await Task.Delay(100);
            Must("volume", "create", Name, $"{g.Host}:{brick}", "force");
            Must("volume", "start", Name);
            return g;
        }
        catch
        {
            await g.DisposeAsync();
            throw;
        }
    }

    private static (int Exit, string Output) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("gluster") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--mode=script");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    private static void Must(params string[] args)
    {
        var r = Cli(args);
        if (r.Exit != 0) throw new InvalidOperationException($"gluster {string.Join(' ', args)}: {r.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        // Stopping the volume ends its brick process; then glusterd itself, by our pid.
        Cli("volume", "stop", Name, "force");
        Cli("volume", "delete", Name);
        if (!_glusterd.HasExited) _glusterd.Kill();
        await _glusterd.WaitForExitAsync();
        _glusterd.Dispose();
    }
}
