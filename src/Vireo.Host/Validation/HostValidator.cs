using System.Text.RegularExpressions;

namespace Vireo.Host.Validation;

/// <summary>
/// virt-host-validate's checks for QEMU and LXC, with its wording and hints, followed by the ones it
/// lacks (Vireo's, in <see cref="VireoChecks"/>). Every check reads the host through a <see cref="HostTree"/>.
/// </summary>
public static partial class HostValidator
{
    public static readonly IReadOnlyList<string> Hypervisors = ["qemu", "lxc"];

    /// <summary>All checks, or those of one hypervisor ("qemu" or "lxc").</summary>
    /// <param name="minFree">Free bytes below which the default pool's file system gets a WARN.</param>
    public static IReadOnlyList<HostCheck> Validate(HostTree host, string? hypervisor = null, string defaultPool = "/var/lib/vireo/images",
        long minFree = 2L << 30)
    {
        var checks = new List<HostCheck>();
        if (hypervisor is null or "qemu")
        {
            Qemu(host, checks);
            VireoChecks.Add(host, checks, defaultPool, minFree);
        }
        if (hypervisor is null or "lxc") Lxc(host, checks);
        return checks;
    }

    private static ISet<string> CpuFlags(HostTree host) => new Facts.NodeFacts(host.Root).CpuFlags();

    private static bool IsAmd(HostTree host) => new Facts.NodeFacts(host.Root).CpuVendor() == "AMD";

    private static void Qemu(HostTree host, List<HostCheck> c)
    {
        const string Q = "QEMU";
        var flags = CpuFlags(host);
        if (flags.Contains("vmx") || flags.Contains("svm"))
        {
            c.Add(new(Q, "for hardware virtualization", CheckResult.Pass));
            if (!host.Exists("/dev/kvm"))
                c.Add(new(Q, "if device /dev/kvm exists", CheckResult.Fail, "Check that the 'kvm-intel' or 'kvm-amd' modules are loaded & the BIOS has enabled virtualization"));
            else
            {
                c.Add(new(Q, "if device /dev/kvm exists", CheckResult.Pass));
                c.Add(new(Q, "if device /dev/kvm is accessible", CanOpen(host.P("/dev/kvm")) ? CheckResult.Pass : CheckResult.Fail,
                    CanOpen(host.P("/dev/kvm")) ? null : "Check /dev/kvm is world writable or you are in a group that is allowed to access it"));
            }
        }
        else
            c.Add(new(Q, "for hardware virtualization", CheckResult.Fail, "Only emulated CPUs are available, performance will be significantly limited"));
        c.Add(Device(Q, "/dev/vhost-net", host, CheckResult.Warn, "Load the 'vhost_net' module to improve performance of virtio networking"));
        c.Add(Device(Q, "/dev/net/tun", host, CheckResult.Fail, "Load the 'tun' module to enable networking for QEMU guests"));
        Cgroups(host, Q, ["cpu", "cpuacct", "cpuset", "memory", "devices", "blkio"], c);
        var amd = IsAmd(host);
        var table = amd ? "IVRS" : "DMAR";
        if (!host.Exists($"/sys/firmware/acpi/tables/{table}"))
            c.Add(new(Q, "for device assignment IOMMU support", CheckResult.Warn,
                $"No ACPI {table} table found, IOMMU either disabled in BIOS or not supported by this hardware platform"));
        else
        {
            c.Add(new(Q, "for device assignment IOMMU support", CheckResult.Pass));
            c.Add(host.HasEntries("/sys/kernel/iommu_groups")
                ? new(Q, "if IOMMU is enabled by kernel", CheckResult.Pass)
                : new(Q, "if IOMMU is enabled by kernel", CheckResult.Warn,
                    $"IOMMU appears to be disabled in kernel. Add {(amd ? "amd_iommu=on" : "intel_iommu=on")} to kernel cmdline arguments"));
        }
        if (amd && flags.Contains("sev"))
        {
            var sev = host.Read("/sys/module/kvm_amd/parameters/sev").Trim();
            c.Add(sev is "1" or "Y"
                ? new(Q, "for secure guest support", CheckResult.Pass)
                : new(Q, "for secure guest support", CheckResult.Warn, "AMD Secure Encrypted Virtualization appears to be disabled in kernel. Add kvm_amd.sev=1 to the kernel cmdline arguments"));
        }
        else c.Add(new(Q, "for secure guest support", CheckResult.Warn, "Unknown if this platform has Secure Guest support"));
    }

    private static void Lxc(HostTree host, List<HostCheck> c)
    {
        const string L = "LXC";
        var release = host.Read("/proc/sys/kernel/osrelease").Trim();
        var version = Regex.Match(release, @"^(\d+)\.(\d+)(?:\.(\d+))?");
        var ok = version.Success && new Version(int.Parse(version.Groups[1].Value), int.Parse(version.Groups[2].Value),
            version.Groups[3].Success ? int.Parse(version.Groups[3].Value) : 0) >= new Version(2, 6, 26);
        c.Add(new(L, "for Linux >= 2.6.26", ok ? CheckResult.Pass : CheckResult.Fail, ok ? null : "Upgrade to a kernel supporting namespaces"));
        foreach (var ns in new[] { "ipc", "mnt", "pid", "uts", "net", "user" })
            c.Add(host.Exists($"/proc/self/ns/{ns}")
                ? new(L, $"for namespace {ns}", CheckResult.Pass)
                : new(L, $"for namespace {ns}", CheckResult.Fail, "Namespace support is recommended"));
        Cgroups(host, L, ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"], c);
        c.Add(Device(L, "/sys/fs/fuse/connections", host, CheckResult.Warn, "Load the 'fuse' module to enable /proc/ overrides"));
    }

    private static HostCheck Device(string hv, string path, HostTree host, CheckResult missing, string hint) =>
        host.Exists(path) ? new(hv, $"if device {path} exists", CheckResult.Pass) : new(hv, $"if device {path} exists", missing, hint);

    /// <summary>
    /// cgroup v1 controllers are those /proc/self/cgroup lists; on a pure v2 host those in the unified
    /// hierarchy's cgroup.controllers (v2 has no 'devices' controller: libvirt uses BPF there).
    /// </summary>
    private static void Cgroups(HostTree host, string hv, string[] controllers, List<HostCheck> c)
    {
        var v1 = host.Read("/proc/self/cgroup").Split('\n').Select(l => l.Split(':')).Where(p => p.Length >= 3 && p[1].Length > 0)
            .SelectMany(p => p[1].Split(',')).ToHashSet();
        var v2 = host.Read("/sys/fs/cgroup/cgroup.controllers").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var pureV2 = v1.Count == 0 && host.Exists("/sys/fs/cgroup/cgroup.controllers");
        foreach (var name in controllers)
        {
            var v2Name = name switch { "cpuacct" => "cpu", "blkio" => "io", _ => name };
            var has = v1.Contains(name) || (pureV2 && (v2.Contains(v2Name) || name is "devices" or "freezer"));
            c.Add(has ? new(hv, $"for cgroup '{name}' controller support", CheckResult.Pass)
                : new(hv, $"for cgroup '{name}' controller support", CheckResult.Warn, $"Enable '{name}' in kernel Kconfig file or mount/enable cgroup controller in your system"));
        }
    }

    private static bool CanOpen(string path)
    {
        try { using var _ = File.Open(path, FileMode.Open, FileAccess.ReadWrite); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
