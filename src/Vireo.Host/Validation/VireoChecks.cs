using System.Text.RegularExpressions;

namespace Vireo.Host.Validation;

/// <summary>
/// What virt-host-validate does not check but a Vireo host needs to know: whether /dev/kvm is the
/// paravirtual kvm_pvm (stock guest kernels hang there), nested virtualization, vhost_net, huge pages,
/// the QEMU binary and its accelerators, firmware, the network tools, room in the default pool, IOMMU groups.
/// </summary>
public static class VireoChecks
{
    private const string Q = "QEMU";
    public const string QemuBinary = "/usr/bin/qemu-system-x86_64";

    public static void Add(HostTree host, List<HostCheck> c, string defaultPool, long minFree)
    {
        if (host.Exists("/dev/kvm"))
            c.Add(host.Exists("/sys/module/kvm_pvm") && !host.Exists("/sys/module/kvm_intel") && !host.Exists("/sys/module/kvm_amd")
                ? new(Q, "if /dev/kvm is hardware KVM (not paravirtual)", CheckResult.Warn,
                    "/dev/kvm comes from kvm_pvm (paravirtual nested KVM): a stock guest kernel hangs under it. Run guests with <domain type='qemu'> (TCG), " +
                    "or vireo install --virt-type=qemu; only PVM-enabled guest kernels can use it")
                : new(Q, "if /dev/kvm is hardware KVM (not paravirtual)", CheckResult.Pass));
        c.Add(Nested(host));
        c.Add(host.Exists("/sys/module/vhost_net")
            ? new(Q, "if the vhost_net module is loaded", CheckResult.Pass)
            : new(Q, "if the vhost_net module is loaded", CheckResult.Warn, "modprobe vhost_net: virtio NICs then move packets in the kernel instead of QEMU"));
        c.Add(HugePages(host));
        c.Add(QemuBinaryCheck(host));
        c.Add(host.Exists("/usr/share/seabios/bios-256k.bin") || host.Exists("/usr/share/qemu/bios-256k.bin")
            ? new(Q, "for BIOS firmware (SeaBIOS)", CheckResult.Pass)
            : new(Q, "for BIOS firmware (SeaBIOS)", CheckResult.Fail, "apt-get install seabios: QEMU needs it to boot guests"));
        c.Add(Directory.Exists(host.P("/usr/share/OVMF")) && Directory.EnumerateFiles(host.P("/usr/share/OVMF"), "OVMF_CODE*.fd").Any()
            ? new(Q, "for UEFI firmware (OVMF)", CheckResult.Pass)
            : new(Q, "for UEFI firmware (OVMF)", CheckResult.Warn, "apt-get install ovmf to boot guests with UEFI (<os firmware='efi'>, vireo install --boot uefi)"));
        c.Add(Tool(host, "dnsmasq", "/usr/sbin/dnsmasq", "for dnsmasq (DHCP and DNS of virtual networks)", "apt-get install dnsmasq-base: NAT, routed and isolated networks need it"));
        c.Add(Tool(host, "nft", "/usr/sbin/nft", "for nft (NAT and forwarding rules of virtual networks)", "apt-get install nftables: NAT and routed networks need it"));
        c.Add(FreeSpace(host, defaultPool, minFree));
        var groups = Directory.Exists(host.P("/sys/kernel/iommu_groups")) ? Directory.GetDirectories(host.P("/sys/kernel/iommu_groups")).Length : 0;
        c.Add(groups > 0
            ? new(Q, "for IOMMU groups (PCI device assignment)", CheckResult.Pass, Detail: $"{groups} groups")
            : new(Q, "for IOMMU groups (PCI device assignment)", CheckResult.Warn,
                "No IOMMU groups: <hostdev> and SR-IOV VFs cannot be given to guests. Enable VT-d/AMD-Vi in the firmware and intel_iommu=on or amd_iommu=on on the kernel command line"));
    }

    private static HostCheck Nested(HostTree host)
    {
        foreach (var module in new[] { "kvm_intel", "kvm_amd" })
        {
            if (!host.Exists($"/sys/module/{module}")) continue;
            var on = host.Read($"/sys/module/{module}/parameters/nested").Trim() is "Y" or "1";
            return on ? new(Q, "for nested virtualization", CheckResult.Pass)
                : new(Q, "for nested virtualization", CheckResult.Warn, $"Guests cannot run KVM themselves: reload {module} with nested=1 (options {module} nested=1 in /etc/modprobe.d)");
        }
        return new(Q, "for nested virtualization", CheckResult.Warn, "No hardware KVM module (kvm_intel or kvm_amd) is loaded, so guests cannot run KVM themselves");
    }

    private static HostCheck HugePages(HostTree host)
    {
        var meminfo = host.Read("/proc/meminfo");
        long Field(string name) => Regex.Match(meminfo, $@"^{name}:\s+(\d+)", RegexOptions.Multiline) is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0;
        var total = Field("HugePages_Total");
        return total > 0
            ? new(Q, "for huge pages", CheckResult.Pass, Detail: $"{total} x {Field("Hugepagesize")} kB, {Field("HugePages_Free")} free")
            : new(Q, "for huge pages", CheckResult.Warn,
                "No huge pages reserved, so <memoryBacking><hugepages/> cannot be used: echo N > /proc/sys/vm/nr_hugepages (or hugepages=N on the kernel command line)");
    }

    private static HostCheck QemuBinaryCheck(HostTree host)
    {
        const string What = "for the QEMU binary (" + QemuBinary + ")";
        if (!File.Exists(host.P(QemuBinary))) return new(Q, What, CheckResult.Fail, "apt-get install qemu-system-x86");
        var version = host.Run([host.P(QemuBinary), "--version"]);
        var accels = host.Run([host.P(QemuBinary), "-accel", "help"]);
        if (version is null) return new(Q, What, CheckResult.Fail, $"{QemuBinary} --version failed: the installation is broken (apt-get install --reinstall qemu-system-x86)");
        var v = Regex.Match(version, @"version ([0-9][^\s(]*)") is { Success: true } m ? m.Groups[1].Value : "unknown";
        var list = accels?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("Accelerators")).ToList() ?? [];
        return new(Q, What, CheckResult.Pass, Detail: $"version {v}, accelerators: {(list.Count > 0 ? string.Join(", ", list) : "unknown")}");
    }

    private static HostCheck Tool(HostTree host, string name, string path, string what, string hint) =>
        File.Exists(host.P(path)) ? new(Q, what, CheckResult.Pass) : new(Q, what, CheckResult.Warn, hint);

    /// <summary>Room for guest disks where the default pool lives (or would: its nearest existing parent).</summary>
    private static HostCheck FreeSpace(HostTree host, string pool, long minFree)
    {
        var what = $"for free space in the default pool ({pool})";
        var dir = host.P(pool);
        while (!Directory.Exists(dir) && Path.GetDirectoryName(dir) is { } parent) dir = parent;
        long available;
        try { available = Interop.LibC.FileSystemSizes(dir).Available; }
        catch (IOException e) { return new(Q, what, CheckResult.Warn, e.Message); }
        return available >= minFree
            ? new(Q, what, CheckResult.Pass)
            : new(Q, what, CheckResult.Warn, $"Only {available / (1 << 20)} MiB free: guest disks will not fit; free space or put the pool elsewhere (pool-define)");
    }
}
