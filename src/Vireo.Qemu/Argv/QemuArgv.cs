using System.Text;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Qemu.Argv;

/// <summary>
/// Turns a domain definition into QEMU's argv. Pure: the same definition, paths and host
/// options always give the same argv, which is what the golden-file tests pin down.
/// </summary>
public static partial class QemuArgv
{
    /// <param name="diskSecrets">Encrypted secrets of network disks with &lt;auth&gt;, by target; see <see cref="QemuSecret"/>.</param>
    public static IReadOnlyList<string> Build(DomainDefinition d, QemuPaths paths, QemuHostOptions host,
        IReadOnlyDictionary<string, QemuSecret>? diskSecrets = null)
    {
        diskSecrets ??= new Dictionary<string, QemuSecret>();
        var a = new ArgvBuilder();
        CheckVirtType(d);
        var unsupported = UnsupportedElements(d);
        if (unsupported.Count > 0)
            throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: Vireo cannot run {string.Join(", ", unsupported)} yet", unsupported);
        a.Add(Emulator(d));
        a.Add("-name", $"guest={Escape(d.Name)},debug-threads=on");
        a.Add("-S");
        a.Add("-daemonize");
        a.Add("-pidfile", paths.PidFile);
        a.Add("-msg", "timestamp=on");
        a.Add("-no-user-config");
        a.Add("-nodefaults");
        a.Add("-chardev", $"socket,id=charmonitor,path={Escape(UnixSocket(paths.QmpSocket, null))},server=on,wait=off");
        a.Add("-mon", "chardev=charmonitor,id=monitor,mode=control");
        Machine(d, host, a);
        Cpu(d, host, a);
        a.Add("-m", $"size={d.MemoryKiB}k");
        Smp(d, a);
        if (d.Uuid != Guid.Empty) a.Add("-uuid", d.Uuid.ToString());
        Clock(d, a);
        Lifecycle(d, a);
        Boot(d, a);
        Controllers(d, a);
        HotplugPorts(d, a);
        Secrets(paths, diskSecrets, a);
        Disks(d, diskSecrets, a);
        Interfaces(d, a);
        PciHostdevs(d, a);
        CharDevs(d, paths, a);
        GraphicsAndVideo(d, a);
        Inputs(d, a);
        Misc(d, host, a);
        return a.Args;
    }

    private static void Secrets(QemuPaths paths, IReadOnlyDictionary<string, QemuSecret> secrets, ArgvBuilder a)
    {
        if (secrets.Count == 0) return;
        a.Add("-object", $"secret,id={QemuSecret.MasterKeyId},format=raw,file={Escape(paths.MasterKey)}");
        foreach (var (_, s) in secrets.OrderBy(kv => kv.Key, StringComparer.Ordinal)) a.Add("-object", s.ObjectSpec);
    }

    private static string Emulator(DomainDefinition d)
    {
        if (d.Emulator is { Length: > 0 } e) return e;
        var arch = d.Os.Arch ?? "x86_64";
        return "qemu-system-" + (arch == "i686" ? "i386" : arch == "armv7l" ? "arm" : OptionToken.Name(arch, "architecture"));
    }

    /// <summary>QEMU option values use ',' as separator; a literal comma is written twice.</summary>
    public static string Escape(string value) => value.Replace(",", ",,");

    /// <summary>
    /// Only kvm and qemu (TCG) run here. Any other libvirt virt type is a valid definition but is refused
    /// wherever a command line is built (start, domxml-to-native), with libvirt's message, instead of running as TCG.
    /// </summary>
    private static void CheckVirtType(DomainDefinition d)
    {
        if (d.Type is not ("kvm" or "qemu"))
            throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: Emulator '{Core.Names.Text.Printable(Emulator(d))}' does not support virt type '{Core.Names.Text.Printable(d.Type)}'");
    }

    public static bool IsQ35(DomainDefinition d) => d.Os.Machine is { } m && m.Contains("q35");

    private static bool IsX86(DomainDefinition d) => d.Os.Arch is null or "x86_64" or "i686";

    private static void Machine(DomainDefinition d, QemuHostOptions host, ArgvBuilder a)
    {
        if (d.IsKvm && !host.KvmUsable)
            throw new VireoException(ErrorCode.ConfigUnsupported,
                $"domain '{d.Name}' asks for type='kvm', but {host.KvmUnusableReason}. Use <domain type='qemu'> to run it with TCG emulation.");
        var sb = new StringBuilder(OptionToken.Name(d.Os.Machine ?? (IsX86(d) ? "pc" : "virt"), "machine type"));
        sb.Append(",accel=").Append(d.IsKvm ? "kvm" : "tcg");
        if (IsX86(d))
        {
            sb.Append(",usb=off,dump-guest-core=off");
            if (!d.Features.Contains("acpi")) sb.Append(",acpi=off");
            if (d.Xml.Element("features")?.Element("vmport")?.Attribute("state")?.Value is { } vmport)
                sb.Append(",vmport=").Append(vmport == "on" ? "on" : "off");
            if (d.Xml.Element("features")?.Element("smm")?.Attribute("state")?.Value is { } smm)
                sb.Append(",smm=").Append(smm == "on" ? "on" : "off");
            if (d.Clock.Timers.Any(t => t.Name == "hpet" && t.Present == "no"))
                sb.Append(",hpet=off");
        }
        if (d.Os.LoaderType == "pflash" && d.Os.Loader is not null)
        {
            sb.Append(",pflash0=vireo-pflash0-format");
            if (d.Os.Nvram is not null) sb.Append(",pflash1=vireo-pflash1-format");
            a.Add("-blockdev", Json.Object(("driver", "file"), ("filename", d.Os.Loader), ("node-name", "vireo-pflash0-storage"), ("auto-read-only", true), ("discard", "unmap")));
            a.Add("-blockdev", Json.Object(("node-name", "vireo-pflash0-format"), ("read-only", d.Os.LoaderReadOnly), ("driver", "raw"), ("file", "vireo-pflash0-storage")));
            if (d.Os.Nvram is { } nv)
            {
                a.Add("-blockdev", Json.Object(("driver", "file"), ("filename", nv), ("node-name", "vireo-pflash1-storage"), ("auto-read-only", true), ("discard", "unmap")));
                a.Add("-blockdev", Json.Object(("node-name", "vireo-pflash1-format"), ("read-only", false), ("driver", "raw"), ("file", "vireo-pflash1-storage")));
            }
        }
        a.Add("-machine", sb.ToString());
        if (d.Os.Loader is { } bios && d.Os.LoaderType != "pflash")
            a.Add("-bios", bios);
    }

    private static void Cpu(DomainDefinition d, QemuHostOptions host, ArgvBuilder a)
    {
        if (d.Cpu is not { } cpu) return;
        string? model = cpu.Mode switch
        {
            "host-passthrough" when !d.IsKvm => throw new VireoException(ErrorCode.ConfigUnsupported,
                "unsupported configuration: <cpu mode='host-passthrough'> needs type='kvm'; with type='qemu' (TCG) use mode='maximum' or a named model"),
            "host-passthrough" => "host",
            "host-model" => d.IsKvm ? "host" : "max",
            "maximum" => "max",
            _ => cpu.Model,
        };
        if (model is null) return;
        var sb = new StringBuilder(OptionToken.Name(model, "CPU model"));
        foreach (var (policy, name) in cpu.Features)
            sb.Append(',').Append(policy is "disable" or "forbid" ? '-' : '+').Append(OptionToken.Name(name, "CPU feature"));
        a.Add("-cpu", sb.ToString());
    }

    private static void Smp(DomainDefinition d, ArgvBuilder a)
    {
        var sb = new StringBuilder().Append(d.VcpusCurrent);
        if (d.VcpusCurrent != d.Vcpus || d.Cpu?.Sockets is not null) sb.Append(",maxcpus=").Append(d.Vcpus);
        if (d.Cpu is { Sockets: { } s, Cores: { } c, Threads: { } t } cpu)
        {
            sb.Append(",sockets=").Append(s);
            if (cpu.Dies is { } dies) sb.Append(",dies=").Append(dies);
            sb.Append(",cores=").Append(c).Append(",threads=").Append(t);
        }
        a.Add("-smp", sb.ToString());
    }

    private static void Clock(DomainDefinition d, ArgvBuilder a)
    {
        var rtc = new StringBuilder("base=").Append(d.Clock.Offset == "localtime" ? "localtime" : "utc");
        if (d.Clock.Timers.Any(t => t.Name == "rtc" && t.TickPolicy == "catchup")) rtc.Append(",driftfix=slew");
        a.Add("-rtc", rtc.ToString());
        if (d.IsKvm && d.Clock.Timers.Any(t => t.Name == "pit" && t.TickPolicy == "delay"))
            a.Add("-global", "kvm-pit.lost_tick_policy=delay");
    }

    private static void Lifecycle(DomainDefinition d, ArgvBuilder a)
    {
        // Guest poweroff always ends QEMU; vireod applies on_poweroff itself. Reboot and panic
        // are turned into an exit where the definition says the domain must not keep running,
        // so vireod sees them and applies the action.
        var actions = new List<string>();
        if (d.OnReboot is "destroy" or "preserve") actions.Add("reboot=shutdown");
        if (d.OnCrash is "preserve") actions.Add("panic=pause");
        else if (d.OnCrash is "restart" or "rename-restart" or "coredump-restart") actions.Add("panic=shutdown");
        foreach (var w in d.Watchdogs)
            if (w.Element.Attribute("action")?.Value is { } act && act != "reset")
                actions.Add("watchdog=" + act switch
                {
                    "dump" => "pause",
                    "shutdown" or "poweroff" or "pause" or "none" or "inject-nmi" => act,
                    _ => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(w.Element)} watchdog action '{Core.Names.Text.Printable(act)}'"),
                });
        if (actions.Count > 0) a.Add("-action", string.Join(",", actions));
    }

    private static void Boot(DomainDefinition d, ArgvBuilder a)
    {
        if (d.Os.Kernel is { } kernel)
        {
            a.Add("-kernel", kernel);
            if (d.Os.Initrd is { } initrd) a.Add("-initrd", initrd);
            if (d.Os.Cmdline is { } cmdline) a.Add("-append", cmdline);
            if (d.Xml.Element("os")?.Element("dtb")?.Value is { } dtb) a.Add("-dtb", dtb);
        }
        var sb = new StringBuilder();
        var perDevice = d.Disks.Any(x => x.BootOrder is not null) || d.Interfaces.Any(x => x.BootOrder is not null);
        if (!perDevice && d.Os.BootDevs.Count > 0)
        {
            sb.Append("order=");
            foreach (var dev in d.Os.BootDevs)
                sb.Append(dev switch { "cdrom" => 'd', "network" => 'n', "fd" => 'a', _ => 'c' });
            sb.Append(',');
        }
        if (d.Os.BootMenu == true)
        {
            sb.Append("menu=on,");
            if (d.Os.BootMenuTimeout is { } t) sb.Append("splash-time=").Append(t).Append(',');
        }
        sb.Append("strict=on");
        a.Add("-boot", sb.ToString());
    }
}
