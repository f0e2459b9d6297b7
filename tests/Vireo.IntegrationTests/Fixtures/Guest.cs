using Vireo.TestGuest;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>The guest every VM test boots: the host's Debian kernel and our busybox initramfs, built once per run.</summary>
public static class Guest
{
    private static readonly Lazy<string> Initrd = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("vireo-guest-");
        // One initramfs per test run, removed when the run ends (runs used to leave theirs in /tmp).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { dir.Delete(true); } catch (IOException) { } };
        var path = Path.Combine(dir.FullName, "initrd.cpio");
        GuestImage.BuildInitramfs(path);
        return path;
    });

    /// <summary>Why VMs cannot run here (missing QEMU, kernel, busybox, or not root), or null.</summary>
    public static string? Unavailable()
    {
        if (Environment.UserName != "root") return HostLimit.NotRoot.Reason("VM tests need root");
        if (!File.Exists("/usr/bin/qemu-system-x86_64")) return "qemu-system-x86_64 is not installed (test.sh installs qemu-system-x86)";
        return GuestImage.Missing();
    }

    public static string Kernel => GuestImage.FindKernel()!;
    public static string InitrdPath => Initrd.Value;
    public const string Ready = GuestImage.ReadyMarker;

    /// <summary>A bootable domain: TCG, ACPI (for shutdown), serial console, direct kernel boot.</summary>
    public static string Xml(string name, string extraDevices = "", string lifecycle = "", string type = "qemu", string kernel = "") => $"""
        <domain type='{type}'>
          <name>{name}</name>
          <memory unit='MiB'>192</memory>
          <vcpu>1</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
            <kernel>{(kernel.Length > 0 ? kernel : Kernel)}</kernel>
            <initrd>{InitrdPath}</initrd>
            <cmdline>console=ttyS0 quiet panic=-1</cmdline>
          </os>
          <features><acpi/></features>
          {lifecycle}
          <devices>
            <serial type='pty'><target port='0'/></serial>
            <console type='pty'><target type='serial' port='0'/></console>
            {extraDevices}
          </devices>
        </domain>
        """;
}
