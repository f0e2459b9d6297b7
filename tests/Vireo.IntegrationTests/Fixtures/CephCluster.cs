using System.Diagnostics;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// A one-node Ceph cluster on loopback, built by hand as ../shared/notes/storage-servers.md
/// describes (no ceph-volume): a v1 monitor on 127.0.0.1, one bluestore OSD on a sparse file, a
/// manager, pool size 1. Every daemon is ours, stopped by pid.
/// </summary>
public sealed class CephCluster : IAsyncDisposable
{
    private readonly string _dir;
    private readonly List<Process> _daemons = [];

    public string Conf => Path.Combine(_dir, "ceph.conf");
    public int MonPort { get; } = 6789;

    private CephCluster(string dir) => _dir = dir;

    public static string? Unavailable() =>
        Environment.UserName != "root" ? HostLimit.NotRoot.Reason("needs root")
        : !File.Exists("/usr/bin/ceph-mon") || !File.Exists("/usr/bin/ceph-osd") ? "ceph is not installed (test.sh installs ceph-mon, ceph-osd, ceph-mgr, ceph-common)"
        : null;

    public static async Task<CephCluster> StartAsync(string dir)
    {
        var c = new CephCluster(dir);
        try
        {
            await c.BuildAsync();
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        foreach (var d in new[] { "mon", "osd", "mgr", "run", "log" }) Directory.CreateDirectory(Path.Combine(_dir, d));
        var fsid = Guid.NewGuid().ToString();
        string P(string s) => Path.Combine(_dir, s);
        await File.WriteAllTextAsync(Conf, $"""
            [global]
            fsid = {fsid}
            mon host = v1:127.0.0.1:{MonPort}
            mon initial members = a
            public network = 127.0.0.0/8
            auth cluster required = cephx
            auth service required = cephx
            auth client required = cephx
            osd pool default size = 1
            osd pool default min size = 1
            mon allow pool size one = true
            mon allow pool delete = true
            mon warn on pool no redundancy = false
            osd crush chooseleaf type = 0
            run dir = {P("run")}
            log file = {P("log")}/$name.log
            admin socket = {P("run")}/$name.asok
            keyring = {P("admin.keyring")}
            [mon.a]
            mon data = {P("mon")}
            [osd.0]
            osd data = {P("osd")}
            osd objectstore = bluestore
            bluestore block create = true
            bluestore block size = 2147483648
            keyring = {P("osd/keyring")}
            [mgr.x]
            mgr data = {P("mgr")}
            keyring = {P("mgr/keyring")}

            """); // ceph's parser wants the last line terminated
        Run("ceph-authtool", "--create-keyring", P("mon.keyring"), "--gen-key", "-n", "mon.", "--cap", "mon", "allow *");
        Run("ceph-authtool", "--create-keyring", P("admin.keyring"), "--gen-key", "-n", "client.admin",
            "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *", "--cap", "mds", "allow *");
        Run("ceph-authtool", P("mon.keyring"), "--import-keyring", P("admin.keyring"));
        Run("monmaptool", "--create", "--addv", "a", $"v1:127.0.0.1:{MonPort}", "--fsid", fsid, P("monmap"));
        Run("ceph-mon", "-c", Conf, "--mkfs", "-i", "a", "--monmap", P("monmap"), "--keyring", P("mon.keyring"));
        Daemon("ceph-mon", "-c", Conf, "-i", "a", "-f");
        var osdUuid = Guid.NewGuid().ToString();
        for (var i = 0; ; i++)
        {
            // The monitor needs a moment before it answers.
            if (Ceph(check: false, "osd", "new", osdUuid).Exit == 0) break;
            if (i > 100) throw new InvalidOperationException("ceph-mon did not come up: " + File.ReadAllText(P("log/mon.a.log")));
            await Task.Delay(100);
        }
        Run("ceph-osd", "-c", Conf, "-i", "0", "--mkfs", "--mkkey", "--no-mon-config", "--osd-uuid", osdUuid);
        Ceph(true, "auth", "add", "osd.0", "osd", "allow *", "mon", "allow profile osd", "mgr", "allow profile osd", "-i", P("osd/keyring"));
        Ceph(true, "osd", "crush", "add-bucket", "node", "host");
        Ceph(true, "osd", "crush", "move", "node", "root=default");
        Ceph(true, "osd", "crush", "add", "osd.0", "1.0", "host=node");
        Daemon("ceph-osd", "-c", Conf, "-i", "0", "-f");
        File.WriteAllText(P("mgr/keyring"), Ceph(true, "auth", "get-or-create", "mgr.x", "mon", "allow profile mgr", "osd", "allow *", "mds", "allow *").Output);
        Daemon("ceph-mgr", "-c", Conf, "-i", "x", "-f");
    }

    /// <summary>Creates an rbd pool and a client allowed to use it (as in the notes); returns the client's cephx key.</summary>
    public async Task<string> CreateRbdPoolAsync(string pool, string client)
    {
        Ceph(true, "osd", "pool", "create", pool, "8", "8");
        Ceph(true, "osd", "pool", "application", "enable", pool, "rbd");
        for (var i = 0; ; i++)
        {
            var stat = Ceph(false, "pg", "stat").Output;
            if (stat.Contains("active+clean") && !stat.Contains("unknown") && !stat.Contains("creating") && !stat.Contains("peering")) break;
            if (i > 300) throw new InvalidOperationException("placement groups did not become active+clean: " + stat);
            await Task.Delay(100);
        }
        return Ceph(true, "auth", "get-or-create-key", $"client.{client}", "mon", "allow r", "osd", $"allow rwx pool={pool}").Output.Trim();
    }

    /// <summary>An image's bytes, read with the admin key (rbd export).</summary>
    public byte[] Export(string pool, string image)
    {
        var file = Path.Combine(_dir, "export-" + Guid.NewGuid().ToString("N"));
        Run("rbd", "-c", Conf, "export", "--no-progress", $"{pool}/{image}", file);
        var bytes = File.ReadAllBytes(file);
        File.Delete(file);
        return bytes;
    }

    private (int Exit, string Output) Ceph(bool check, params string[] args) => Exec("ceph", check, ["-c", Conf, "--connect-timeout", "10", .. args]);

    private void Run(string tool, params string[] args) => Exec(tool, true, args);

    private static (int Exit, string Output) Exec(string tool, bool check, string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)}: {err.Result}{o}");
        return (p.ExitCode, o);
    }

    private void Daemon(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        _daemons.Add(p);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in Enumerable.Reverse(_daemons))
        {
            if (!p.HasExited) Vireo.Host.Interop.LibC.kill(p.Id, Vireo.Host.Interop.LibC.SIGTERM);
            if (!p.WaitForExit(10000)) p.Kill();
            await p.WaitForExitAsync();
            p.Dispose();
        }
    }
}
