using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// A real iSCSI target: tgtd on 127.0.0.1 with its own control port (so it never touches another
/// tgtd), one LUN backed by a sparse file, CHAP account bound to the target.
/// </summary>
public sealed class TgtTarget : IAsyncDisposable
{
    public const string Iqn = "iqn.2026-11.org.vireo:test";
    public const string User = "vireo-chap";
    private readonly Process _tgtd;
    private readonly int _control;

    public int Port { get; }
    public string Password { get; }
    public string LunFile { get; }

    private TgtTarget(Process tgtd, int control, int port, string password, string lunFile) =>
        (_tgtd, _control, Port, Password, LunFile) = (tgtd, control, port, password, lunFile);

    public static string? Unavailable() =>
        Environment.UserName != "root" ? HostLimit.NotRoot.Reason("needs root") : !File.Exists("/usr/sbin/tgtd") ? "tgt is not installed (test.sh installs tgt)" : null;

    public static async Task<TgtTarget> StartAsync(string dir, long lunBytes = 64L << 20)
    {
        var port = FreePort();
        var control = Random.Shared.Next(100, 9999); // tgtadm takes small control port numbers only
        var lun = Path.Combine(dir, "lun1.img");
        using (var f = File.Create(lun)) f.SetLength(lunBytes);
        var psi = new ProcessStartInfo("tgtd") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-f", "-C", control.ToString(), "--iscsi", $"portal=127.0.0.1:{port}" }) psi.ArgumentList.Add(a);
        var tgtd = Process.Start(psi)!;
        _ = tgtd.StandardOutput.ReadToEndAsync();
        _ = tgtd.StandardError.ReadToEndAsync();
        var password = "pw" + Guid.NewGuid().ToString("N")[..14];
        var t = new TgtTarget(tgtd, control, port, password, lun);
        try
        {
            // tgtadm answers once tgtd listens on its control socket.
            for (var i = 0; i < 50 && t.Adm("--op", "show", "--mode", "sys").Exit != 0; i++) await Task.Delay(100);
            t.Must("--op", "new", "--mode", "target", "--tid", "1", "-T", Iqn);
            t.Must("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "-b", lun);
            t.Must("--op", "new", "--mode", "account", "--user", User, "--password", password);
            t.Must("--op", "bind", "--mode", "account", "--tid", "1", "--user", User);
            t.Must("--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL");
            return t;
        }
        catch
        {
            await t.DisposeAsync();
            throw;
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private (int Exit, string Output) Adm(params string[] args)
    {
        var psi = new ProcessStartInfo("tgtadm") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-C", _control.ToString(), "--lld", "iscsi" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    private void Must(params string[] args)
    {
        var r = Adm(args);
        if (r.Exit != 0) throw new InvalidOperationException($"tgtadm {string.Join(' ', args)}: {r.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        // tgtd ignores SIGTERM while it has targets: ask it to shut down, then make sure (by our own pid).
        Adm("--op", "delete", "--mode", "system");
        if (!_tgtd.WaitForExit(3000)) _tgtd.Kill();
        await _tgtd.WaitForExitAsync();
        _tgtd.Dispose();
    }
}
