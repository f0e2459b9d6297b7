using System.Diagnostics;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// A userspace NFS server: NFS-Ganesha (VFS backend, NFSv3, bound to 127.0.0.1) exporting a
/// directory under the test root, with rpcbind (which libnfs's NFSv3 needs) if none is running.
/// The kernel here cannot mount NFS; QEMU reaches the export with its own nfs:// driver.
/// </summary>
public sealed class NfsGanesha : IAsyncDisposable
{
    private readonly Process _ganesha;
    private readonly Process? _rpcbind;

    public string Export { get; }

    private NfsGanesha(Process ganesha, Process? rpcbind, string export) => (_ganesha, _rpcbind, Export) = (ganesha, rpcbind, export);

    public static string? Unavailable() =>
        Environment.UserName != "root" ? HostLimit.NotRoot.Reason("needs root")
        : !File.Exists("/usr/bin/ganesha.nfsd") ? "nfs-ganesha is not installed (test.sh installs nfs-ganesha, nfs-ganesha-vfs, rpcbind)"
        : !File.Exists("/usr/sbin/rpcbind") ? "rpcbind is not installed"
        : null;

    private static Process Start(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        return p;
    }

    private static bool Registered(string program)
    {
        var psi = new ProcessStartInfo("rpcinfo") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-p", "127.0.0.1" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 && o.Contains(program);
    }

    public static async Task<NfsGanesha> StartAsync(string dir)
    {
        var export = Path.Combine(dir, "export");
        Directory.CreateDirectory(export);
        var conf = Path.Combine(dir, "ganesha.conf");
        await File.WriteAllTextAsync(conf, $$"""
            NFS_CORE_PARAM { Bind_addr = 127.0.0.1; Protocols = 3; NFS_Port = 2049; MNT_Port = 20048; Enable_NLM = false; Enable_RQUOTA = false; }
            NFSV4 { Graceless = true; }
            EXPORT {
                Export_Id = 1; Path = {{export}}; Pseudo = {{export}};
                Access_Type = RW; Squash = No_Root_Squash; Protocols = 3; Transports = TCP; SecType = sys;
                FSAL { Name = VFS; }
            }
            LOG { Default_Log_Level = WARN; }
            """);
        // Only start rpcbind when none answers; never stop one this fixture did not start.
        var rpcbind = Registered("portmapper") ? null : Start("rpcbind", "-f");
        for (var i = 0; i < 50 && !Registered("portmapper"); i++) await Task.Delay(100);
        var ganesha = Start("ganesha.nfsd", "-F", "-f", conf, "-L", Path.Combine(dir, "ganesha.log"), "-p", Path.Combine(dir, "ganesha.pid"), "-N", "NIV_WARN");
        var g = new NfsGanesha(ganesha, rpcbind, export);
        for (var i = 0; i < 100 && !(Registered("mountd") && Registered("nfs")); i++) await Task.Delay(100);
        if (!Registered("mountd"))
        {
            await g.DisposeAsync();
            throw new InvalidOperationException("nfs-ganesha did not register with rpcbind: " + File.ReadAllText(Path.Combine(dir, "ganesha.log")));
        }
        return g;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in new[] { _ganesha, _rpcbind })
        {
            if (p is null) continue;
            if (!p.HasExited) Vireo.Host.Interop.LibC.kill(p.Id, Vireo.Host.Interop.LibC.SIGTERM);
            if (!p.WaitForExit(5000)) p.Kill();
            await p.WaitForExitAsync();
            p.Dispose();
        }
    }
}
