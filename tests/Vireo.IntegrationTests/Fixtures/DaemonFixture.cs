using System.Diagnostics;
using Vireo.Client;
using Vireo.Host.Interop;
using Vireo.Qemu.Launch;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// A real vireod process with its own root. Dispose stops every QEMU it started (by the pid in
/// its status files) and the daemon (by pid), then removes the root.
/// </summary>
public sealed class DaemonFixture : IAsyncDisposable
{
    private Process? _daemon;

    public DaemonFixture()
    {
        Root = Directory.CreateTempSubdirectory("vireo-it-").FullName;
        // Like the real root ("/"), traversable: dnsmasq drops to an unprivileged user before reading its hosts files.
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
    }

    public string Root { get; }
    public string Socket => Path.Combine(Root, "run/vireo/vireod.sock");
    public string Uri => "unix://" + Socket;
    public int DaemonPid => _daemon?.Id ?? 0;
    public string DaemonLog => Path.Combine(Root, "vireod.out");

    public VireoClient Client() => new(DaemonUri.Resolve(Uri));

    /// <summary>More vireod arguments (e.g. --listen).</summary>
    public string[] ExtraArgs { get; init; } = [];

    /// <summary>
    /// Runs vireod inside this network namespace (the test creates and deletes it). Only then may it
    /// create the default network: outside a namespace vireod always gets --no-default-network.
    /// </summary>
    public string? NetNs { get; init; }

    /// <summary>More environment for vireod (e.g. OVS_RUNDIR, so ovs-vsctl finds the test's own ovsdb-server).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public static async Task<DaemonFixture> StartInNetnsAsync(string netns)
    {
        var f = new DaemonFixture { NetNs = netns };
        await f.StartDaemonAsync();
        return f;
    }

    public static async Task<DaemonFixture> StartAsync(params string[] extraArgs)
    {
        var f = new DaemonFixture { ExtraArgs = extraArgs };
        await f.StartDaemonAsync();
        return f;
    }

    public async Task StartDaemonAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = false };
        // vireod's stdout/stderr go to a file so a test can show them when it fails.
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(Repo.Daemon);
        psi.ArgumentList.Add("--root");
        psi.ArgumentList.Add(Root);
        if (NetNs is null) psi.ArgumentList.Add("--no-default-network");
        foreach (var a in ExtraArgs) psi.ArgumentList.Add(a);
        var shell = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$VIREO_DAEMON_OUT\" 2>&1 </dev/null");
        if (NetNs is not null)
            foreach (var a in new[] { "ip", "netns", "exec", NetNs }) shell.ArgumentList.Add(a);
        shell.ArgumentList.Add(psi.FileName);
        foreach (var a in psi.ArgumentList) shell.ArgumentList.Add(a);
        shell.Environment["VIREO_DAEMON_OUT"] = DaemonLog;
        foreach (var (k, v) in Env) shell.Environment[k] = v;
        _daemon = Process.Start(shell)!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(Path.Combine(Root, "run/vireo/vireod.pid")))
        {
            if (_daemon.HasExited) throw new InvalidOperationException($"vireod exited with {_daemon.ExitCode}: {File.ReadAllText(DaemonLog)}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("vireod did not start: " + File.ReadAllText(DaemonLog));
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL, like a crash: no chance to clean up.</summary>
    public async Task KillDaemonAsync()
    {
        if (_daemon is null) return;
        LibC.kill(_daemon.Id, LibC.SIGKILL);
        await _daemon.WaitForExitAsync();
        File.Delete(Path.Combine(Root, "run/vireo/vireod.pid"));
        _daemon.Dispose();
        _daemon = null;
    }

    public async Task StopDaemonAsync()
    {
        if (_daemon is null) return;
        LibC.kill(_daemon.Id, LibC.SIGTERM);
        await _daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        _daemon.Dispose();
        _daemon = null;
    }

    /// <summary>Runs the vireo CLI against this daemon.</summary>
    public Task<RunResult> Vireo(params string[] args) => CliRunner.RunAsync(["-c", Uri, .. args]);

    public Task<RunResult> VireoUntil(Task interruptWhen, params string[] args) => CliRunner.RunAsync(["-c", Uri, .. args], interruptWhen: interruptWhen);

    public Task<RunResult> VireoWithInput(string stdin, params string[] args) => CliRunner.RunAsync(["-c", Uri, .. args], stdin: stdin);

    public Task<RunResult> VireoWithEnv(IReadOnlyDictionary<string, string> env, params string[] args) => CliRunner.RunAsync(["-c", Uri, .. args], env);

    public int? QemuPid(string name)
    {
        var status = Path.Combine(Root, "run/vireo/qemu", name + ".xml");
        return File.Exists(status) ? QemuStatusFile.Parse(File.ReadAllText(status)).Pid : null;
    }

    public async ValueTask DisposeAsync()
    {
        var statusDir = Path.Combine(Root, "run/vireo/qemu");
        var pids = Directory.Exists(statusDir)
            ? Directory.GetFiles(statusDir, "*.xml").Select(f => { try { return QemuStatusFile.Parse(File.ReadAllText(f)).Pid; } catch { return 0; } }).ToList()
            : [];
        // A QEMU of an unfinished start has no pid in its status file yet: found by its pid file argument.
        pids.AddRange(QemuProcesses.ScanAll(statusDir).Values);
        // dnsmasq processes of this root's networks outlive vireod by design; stop them too.
        var dnsmasqDir = Path.Combine(Root, "var/lib/vireo/dnsmasq");
        if (Directory.Exists(dnsmasqDir))
            pids.AddRange(Directory.GetFiles(dnsmasqDir, "*.pid").Select(f => int.TryParse(File.ReadAllText(f).Trim(), out var p) ? p : 0));
        await StopDaemonAsync();
        foreach (var pid in pids.Where(p => p > 0))
        {
            // Only QEMUs this fixture's daemon started: their pids come from its own status files.
            if (File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(Root))
                LibC.kill(pid, LibC.SIGKILL);
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
