namespace Vireo.Qemu.Argv;

/// <summary>Where one running domain keeps its sockets, pid file and logs.</summary>
public sealed record QemuPaths(string RunDir, string LibDir, string LogDir, string Name)
{
    public string QmpSocket => Path.Combine(RunDir, "qmp.sock");
    public string PidFile => Path.Combine(RunDir, "qemu.pid");
    public string SerialSocket(int index) => Path.Combine(RunDir, $"serial{index}.sock");
    public string ConsoleLog => Path.Combine(LogDir, $"{Name}.console.log");
    public string DomainLog => Path.Combine(LogDir, $"{Name}.log");
    public string ChannelSocket(string target) => Path.Combine(LibDir, "channel", target);
    public string DefaultNvram => Path.Combine(LibDir, "nvram", $"{Name}_VARS.fd");
    public string MasterKey => Path.Combine(LibDir, "master-key.aes");
}

/// <summary>What the host offers (decides the accelerator) and what its administrator allows.</summary>
/// <param name="AllowCommandline">&lt;qemu:commandline&gt; arguments are passed to QEMU (vireod.conf allow_qemu_commandline).</param>
public sealed record QemuHostOptions(bool KvmUsable, string KvmUnusableReason, bool AllowCommandline = false)
{
    public static readonly QemuHostOptions TcgOnly = new(false, "hardware KVM is not usable on this host");
}
