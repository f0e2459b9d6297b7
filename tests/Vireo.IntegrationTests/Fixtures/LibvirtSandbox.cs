using System.Diagnostics;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// libvirt's own daemon, private to one test: the reference whose virsh output vireo must match.
/// libvirtd runs in a mount namespace where /etc/libvirt, /var/lib/libvirt, /run/libvirt,
/// /var/cache/libvirt and /var/log/libvirt are scratch directories (the host's libvirt state, if
/// any, is neither used nor changed); its QEMU driver runs guests as root without security drivers
/// or cgroups, and no network is defined, so it creates no bridge. Debian's libvirt resolves its
/// compiled-in 'libvirt-qemu' user before reading qemu.conf, so the namespace also sees passwd/group
/// copies with that user. The same set-up as bench/lib/libvirt_sandbox.py (configuration: scripts/libvirt-sandbox/).
/// </summary>
public sealed class LibvirtSandbox : IAsyncDisposable
{
    private static readonly string[] StateDirs = ["/var/lib/libvirt", "/run/libvirt", "/var/cache/libvirt", "/var/log/libvirt"];
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-libvirt-").FullName;
    private readonly List<string> _made = [];
    private Process? _daemon;

    public static string? Unavailable() =>
        !File.Exists("/usr/bin/virsh") || !File.Exists("/usr/sbin/libvirtd") ? "libvirt is not installed (test.sh installs libvirt-daemon and libvirt-clients)" : null;

    public string Uri => $"qemu:///system?socket={Path.Combine(_dir, "run/libvirt-sock")}";

    public static async Task<LibvirtSandbox> StartAsync()
    {
        var s = new LibvirtSandbox();
        await s.StartDaemonAsync();
        return s;
    }

    private async Task StartDaemonAsync()
    {
        string D(string p) => Path.Combine(_dir, p);
        foreach (var sub in new[] { "etc", "lib", "run", "cache", "log" }) Directory.CreateDirectory(D(sub));
        // The same configuration bench/lib/libvirt_sandbox.py uses.
        foreach (var conf in new[] { "qemu.conf", "libvirtd.conf" })
            File.Copy(Path.Combine(Repo.Root, "scripts/libvirt-sandbox", conf), D("etc/" + conf));
        File.WriteAllText(D("passwd"), File.ReadAllText("/etc/passwd") + "libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n");
        File.WriteAllText(D("group"), File.ReadAllText("/etc/group") + "libvirt-qemu:x:64055:\n");
        foreach (var p in StateDirs.Prepend("/etc/libvirt").Where(p => !Directory.Exists(p)))
        {
            Directory.CreateDirectory(p);
            _made.Add(p);
        }
        var binds = new[] { ("etc", "/etc/libvirt"), ("lib", StateDirs[0]), ("run", StateDirs[1]), ("cache", StateDirs[2]), ("log", StateDirs[3]),
            ("passwd", "/etc/passwd"), ("group", "/etc/group") };
        var script = string.Concat(binds.Select(b => $"mount --bind '{D(b.Item1)}' '{b.Item2}' && ")) +
            $"exec libvirtd --config /etc/libvirt/libvirtd.conf >'{D("libvirtd.log")}' 2>&1";
        var psi = new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "sh", "-c", script]) { UseShellExecute = false, RedirectStandardInput = true };
        _daemon = Process.Start(psi)!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(D("run/libvirt-sock")))
        {
            if (_daemon.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException("libvirtd did not start: " + (File.Exists(D("libvirtd.log")) ? File.ReadAllText(D("libvirtd.log")) : ""));
            await Task.Delay(50);
        }
        (await Virsh("version")).Ok(); // QEMU's capabilities are probed here, once
    }

    public Task<RunResult> Virsh(params string[] args) => RunAsync("virsh", ["-c", Uri, .. args]);

    private static async Task<RunResult> RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return new RunResult(p.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemon is { HasExited: false })
        {
            // Only the libvirtd this sandbox started (its guests were destroyed by the test).
            Vireo.Host.Interop.LibC.kill(_daemon.Id, Vireo.Host.Interop.LibC.SIGTERM);
            try { await _daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)); }
            catch (TimeoutException) { _daemon.Kill(); }
        }
        _daemon?.Dispose();
        foreach (var p in Enumerable.Reverse(_made))
            try { Directory.Delete(p); } catch (IOException) { }
        Directory.Delete(_dir, recursive: true);
    }
}
