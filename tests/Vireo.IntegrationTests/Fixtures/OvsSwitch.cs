using System.Diagnostics;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>
/// An Open vSwitch of the test's own: ovsdb-server and ovs-vswitchd run in the test's namespace with
/// their database and sockets in a temporary directory (OVS_RUNDIR and friends point there, for vireod
/// too), the userspace datapath (datapath_type=netdev) since this kernel has no openvswitch module.
/// </summary>
public sealed class OvsSwitch : IDisposable
{
    private readonly List<Process> _daemons = [];
    public string Dir { get; } = Directory.CreateTempSubdirectory("vireo-ovs-").FullName;

    /// <summary>What ovs-vsctl (in the test and in vireod) needs to find this switch.</summary>
    public IReadOnlyDictionary<string, string> Env => new Dictionary<string, string>
    {
        ["OVS_RUNDIR"] = Dir, ["OVS_DBDIR"] = Dir, ["OVS_LOGDIR"] = Dir, ["OVS_SYSCONFDIR"] = Dir,
    };

    public static string? Unavailable() =>
        File.Exists("/usr/sbin/ovs-vswitchd") && File.Exists("/usr/bin/ovs-vsctl") ? null : "Open vSwitch is not installed (test.sh installs openvswitch-switch)";

    public OvsSwitch(Netns ns)
    {
        Run("ovsdb-tool", "create", Path.Combine(Dir, "conf.db"), "/usr/share/openvswitch/vswitch.ovsschema");
        Start(ns, "ovsdb-server", Path.Combine(Dir, "conf.db"), $"--remote=punix:{Dir}/db.sock", $"--unixctl={Dir}/ovsdb-server.ctl", $"--log-file={Dir}/ovsdb-server.log");
        WaitFor(Path.Combine(Dir, "db.sock"));
        Vsctl("--no-wait", "init");
        Start(ns, "ovs-vswitchd", $"unix:{Dir}/db.sock", $"--unixctl={Dir}/ovs-vswitchd.ctl", $"--log-file={Dir}/ovs-vswitchd.log");
        WaitFor(Path.Combine(Dir, "ovs-vswitchd.ctl"));
    }

    private void Start(Netns ns, params string[] argv)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns.Name }.Concat(argv)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Env) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _daemons.Add(p);
    }

    private void WaitFor(string socket)
    {
        for (var i = 0; i < 200 && !File.Exists(socket); i++)
        {
            if (_daemons.Any(d => d.HasExited)) break;
            Thread.Sleep(25);
        }
        if (!File.Exists(socket)) throw new InvalidOperationException($"Open vSwitch did not start ({socket} missing): " + string.Join("\n", Directory.GetFiles(Dir, "*.log").Select(File.ReadAllText)));
    }

    public string Vsctl(params string[] args) => Run(["ovs-vsctl", "--timeout=10", .. args]);

    private string Run(params string[] argv) => Netns.Run(Env, argv);

    public void Dispose()
    {
        // Only the two daemons this fixture started, by their own process handles.
        foreach (var p in Enumerable.Reverse(_daemons))
        {
            if (!p.HasExited) p.Kill();
            p.WaitForExit(5000);
            p.Dispose();
        }
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
