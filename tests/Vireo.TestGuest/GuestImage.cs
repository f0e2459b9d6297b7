using System.Reflection;
using Vireo.Images.Cpio;

namespace Vireo.TestGuest;

/// <summary>
/// Builds the test guest: the host's Debian kernel plus an initramfs of busybox-static, the
/// virtio/ACPI-button modules of that kernel, and an /init that reports on the serial console.
/// </summary>
public static class GuestImage
{
    public const string ReadyMarker = "VIREO-GUEST-READY";
    public const string PoweroffMarker = "VIREO-GUEST-POWEROFF";

    /// <summary>Load order matters for insmod: dependencies first.</summary>
    private static readonly string[] Modules =
    [
        "kernel/drivers/virtio/virtio_ring", "kernel/drivers/virtio/virtio",
        "kernel/drivers/virtio/virtio_pci_legacy_dev", "kernel/drivers/virtio/virtio_pci_modern_dev",
        "kernel/drivers/virtio/virtio_pci", "kernel/drivers/block/virtio_blk",
        "kernel/net/core/failover", "kernel/drivers/net/net_failover", "kernel/drivers/net/virtio_net",
        "kernel/drivers/char/virtio_console", "kernel/drivers/acpi/button", "kernel/drivers/input/evdev",
        "kernel/drivers/misc/pvpanic/pvpanic", "kernel/drivers/misc/pvpanic/pvpanic-mmio", "kernel/drivers/misc/pvpanic/pvpanic-pci",
        // IDE and AHCI (q35) cdroms (the ISO library, change-media, cloud-init seeds) and ISO 9660.
        "kernel/drivers/scsi/scsi_common", "kernel/drivers/scsi/scsi_mod", "kernel/drivers/cdrom/cdrom", "kernel/drivers/scsi/sr_mod",
        "kernel/drivers/ata/libata", "kernel/drivers/ata/ata_piix", "kernel/drivers/ata/libahci", "kernel/drivers/ata/ahci", "kernel/fs/isofs/isofs",
        // NIC models other than virtio: e1000, rtl8139.
        "kernel/drivers/net/mii", "kernel/drivers/net/ethernet/intel/e1000/e1000",
        "kernel/drivers/net/ethernet/realtek/8139cp", "kernel/drivers/net/ethernet/realtek/8139too",
    ];

    public static string? FindKernel() =>
        Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").Order().LastOrDefault() : null;

    /// <summary>Why the guest cannot be built here, or null if it can.</summary>
    public static string? Missing()
    {
        if (FindKernel() is null) return "no kernel in /boot (apt-get install linux-image-amd64)";
        if (!File.Exists("/bin/busybox") || !IsStatic("/bin/busybox")) return "no static busybox (apt-get install busybox-static)";
        return null;
    }

    private static bool IsStatic(string path)
    {
        // A static ELF has no PT_INTERP program header; checking for the loader path is enough here.
        var bytes = File.ReadAllBytes(path);
        return !System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096)).Contains("ld-linux");
    }

    public static void BuildInitramfs(string output)
    {
        var kernel = FindKernel() ?? throw new InvalidOperationException(Missing());
        var version = Path.GetFileName(kernel)["vmlinuz-".Length..];
        var modDir = Path.Combine("/lib/modules", version);
        using var w = new CpioNewcWriter(File.Create(output));
        foreach (var d in new[] { "bin", "sbin", "dev", "proc", "sys", "etc", "tmp", "root", "lib", "lib/modules" })
            w.AddDirectory(d);
        w.AddCharDevice("dev/console", 5, 1);
        w.AddFile("bin/busybox", File.ReadAllBytes("/bin/busybox"), 0x1ED);
        w.AddSymlink("bin/sh", "busybox");
        using (var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("init.sh")!)
        {
            var ms = new MemoryStream();
            s.CopyTo(ms);
            w.AddFile("init", ms.ToArray(), 0x1ED);
        }
        var names = new List<string>();
        foreach (var m in Modules)
        {
            var path = Path.Combine(modDir, m + ".ko");
            if (!File.Exists(path)) continue; // built into this kernel
            var name = Path.GetFileName(m);
            w.AddFile($"lib/modules/{name}.ko", File.ReadAllBytes(path));
            names.Add(name);
        }
        w.AddFile("etc/modules", System.Text.Encoding.ASCII.GetBytes(string.Join('\n', names) + "\n"));
        AddGuestAgent(w);
    }

    private const string AgentBinary = "/usr/sbin/qemu-ga";

    /// <summary>
    /// The real QEMU guest agent (Debian's qemu-guest-agent, which test.sh installs) with the shared
    /// libraries ldd names, at the same paths; /init starts it when the domain has the agent channel.
    /// </summary>
    private static void AddGuestAgent(CpioNewcWriter w)
    {
        if (!File.Exists(AgentBinary)) return;
        var psi = new System.Diagnostics.ProcessStartInfo("ldd", AgentBinary) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) return;
        var libs = output.Split('\n').Select(l => l.Trim().Split(' '))
            .Select(f => f.Length >= 3 && f[1] == "=>" ? f[2] : f[0]).Where(f => f.StartsWith('/')).ToList();
        var dirs = new HashSet<string> { "lib", "usr", "usr/bin", "var", "var/run" };
        foreach (var lib in libs) AddParents(lib.TrimStart('/'), dirs);
        foreach (var d in dirs.Where(d => d != "lib").Order()) w.AddDirectory(d);
        foreach (var lib in libs) w.AddFile(lib.TrimStart('/'), File.ReadAllBytes(lib), 0x1ED);
        w.AddFile("usr/bin/qemu-ga", File.ReadAllBytes(AgentBinary), 0x1ED);
    }

    private static void AddParents(string path, HashSet<string> dirs)
    {
        for (var d = Path.GetDirectoryName(path); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d)) dirs.Add(d);
    }
}
