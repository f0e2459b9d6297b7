using Vireo.Qemu.Argv;

namespace Vireo.Daemon.State;

/// <summary>Every path of DESIGN.md's state layout, under one root.</summary>
public sealed class VireoPaths(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    private string P(string relative) => Path.Combine(Root, relative);

    public string DomainConfigDir => P("etc/vireo/qemu");
    public string NetworkConfigDir => P("etc/vireo/networks");
    public string PoolConfigDir => P("etc/vireo/storage");
    public string SecretDir => P("etc/vireo/secrets");
    public string AutostartDir => P("etc/vireo/autostart");
    public string ImagesDir => P("var/lib/vireo/images");
    public string DomainLibDir => P("var/lib/vireo/qemu");
    public string RunDir => P("run/vireo");
    public string Socket => P("run/vireo/vireod.sock");
    public string PidFile => P("run/vireo/vireod.pid");
    public string DomainStatusDir => P("run/vireo/qemu");
    public string LogDir => P("var/log/vireo/qemu");
    public string DaemonLog => P("var/log/vireo/vireod.log");

    public string DomainConfig(string name) => Path.Combine(DomainConfigDir, FileName(name) + ".xml");
    public string DomainStatus(string name) => Path.Combine(DomainStatusDir, FileName(name) + ".xml");
    public string DomainAutostart(string name) => Path.Combine(AutostartDir, "qemu", FileName(name));

    public QemuPaths Qemu(string name) =>
        new(Path.Combine(DomainStatusDir, FileName(name)), Path.Combine(DomainLibDir, name), LogDir, name);

    private static string FileName(string name) => Core.Names.ObjectName.EnsureValid(name, "domain");

    /// <summary>Temp files of atomic writes a killed vireod did not finish (DESIGN: no half definitions, no litter).</summary>
    public void RemoveWriteLeftovers()
    {
        foreach (var dir in new[] { P("etc/vireo"), RunDir, DomainLibDir, P("var/lib/vireo/dnsmasq") })
            Host.Files.AtomicFile.RemoveLeftovers(dir);
    }

    public void CreateAll()
    {
        foreach (var d in new[] { DomainConfigDir, NetworkConfigDir, PoolConfigDir, SecretDir, Path.Combine(AutostartDir, "qemu"),
                     ImagesDir, DomainLibDir, DomainStatusDir, LogDir })
            Directory.CreateDirectory(d);
    }
}
