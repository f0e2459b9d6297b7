using Vireo.Host.Validation;

namespace Vireo.Host.Tests;

/// <summary>host-validate over fixture host trees (a /proc, /sys and /dev of files), pinned by golden outputs.</summary>
public sealed class HostValidatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-hosttree-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private HostValidatorTests With(string path, string content = "")
    {
        var full = Path.Combine(_root, path.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return this;
    }

    private HostValidatorTests Dir(string path)
    {
        Directory.CreateDirectory(Path.Combine(_root, path.TrimStart('/')));
        return this;
    }

    private const string CgroupV1 = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/\n3:cpuset:/\n2:cpu,cpuacct:/\n0::/\n";

    private static string Cpuinfo(string vendor, string flags) => $"processor\t: 0\nvendor_id\t: {vendor}\nflags\t\t: fpu {flags} sse2\n\n";

    private static string? FakeQemu(IReadOnlyList<string> argv) => argv[1] switch
    {
        "--version" => "QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n",
        "-accel" => "Accelerators supported in QEMU binary:\ntcg\nkvm\n",
        _ => null,
    };

    private string Run(string? hv = null, long minFree = 0) =>
        string.Join('\n', HostValidator.Validate(new HostTree(_root, FakeQemu), hv, minFree: minFree).Select(c => c.Format())) + "\n";

    private void Common()
    {
        With("/proc/self/cgroup", CgroupV1).With("/proc/sys/kernel/osrelease", "6.1.0-27-amd64\n");
        foreach (var ns in new[] { "ipc", "mnt", "pid", "uts", "net", "user" }) With($"/proc/self/ns/{ns}");
        Dir("/sys/fs/fuse/connections").With("/usr/share/seabios/bios-256k.bin").With("/usr/sbin/dnsmasq").With("/usr/sbin/nft").With("/usr/bin/qemu-system-x86_64");
    }

    [Fact]
    public void An_intel_kvm_host_with_everything_passes()
    {
        Common();
        With("/proc/cpuinfo", Cpuinfo("GenuineIntel", "vmx ept")).With("/dev/kvm").With("/dev/vhost-net").With("/dev/net/tun");
        With("/sys/firmware/acpi/tables/DMAR").Dir("/sys/kernel/iommu_groups/0").Dir("/sys/kernel/iommu_groups/1");
        With("/sys/module/kvm_intel/parameters/nested", "Y\n").Dir("/sys/module/vhost_net").With("/usr/share/OVMF/OVMF_CODE_4M.fd");
        With("/proc/meminfo", "MemTotal: 16000000 kB\nHugePages_Total:     512\nHugePages_Free:      500\nHugepagesize:       2048 kB\n");
        Golden.AssertMatches(Path.Combine(Golden.Dir("golden"), "intel-kvm.txt"), Run());
        Assert.DoesNotContain(HostValidator.Validate(new HostTree(_root, FakeQemu), minFree: 0), c => c.Result != CheckResult.Pass && c.Description != "for secure guest support");
    }

    [Fact]
    public void A_pvm_host_fails_hardware_virtualization_and_says_why_its_kvm_is_unusable()
    {
        // This machine's shape: no vmx/svm, /dev/kvm from kvm_pvm, cgroup v1, no IOMMU, no huge pages.
        Common();
        With("/proc/cpuinfo", Cpuinfo("GenuineIntel", "hypervisor")).With("/dev/kvm").With("/dev/net/tun").Dir("/sys/module/kvm").Dir("/sys/module/kvm_pvm");
        With("/proc/meminfo", "HugePages_Total:       0\nHugepagesize:       2048 kB\n");
        Golden.AssertMatches(Path.Combine(Golden.Dir("golden"), "pvm.txt"), Run("qemu"));
    }

    [Fact]
    public void An_amd_cgroup2_host_missing_pieces_gets_each_warning_and_failure_with_its_fix()
    {
        With("/proc/cpuinfo", Cpuinfo("AuthenticAMD", "svm sev")).With("/proc/sys/kernel/osrelease", "2.6.18-398.el5\n");
        With("/proc/self/cgroup", "0::/\n").With("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io pids\n");
        foreach (var ns in new[] { "ipc", "mnt", "pid", "uts", "net" }) With($"/proc/self/ns/{ns}");
        With("/sys/firmware/acpi/tables/IVRS").Dir("/sys/kernel/iommu_groups").With("/sys/module/kvm_amd/parameters/sev", "0\n");
        With("/sys/module/kvm_amd/parameters/nested", "0\n");
        Golden.AssertMatches(Path.Combine(Golden.Dir("golden"), "amd-cgroup2.txt"), Run());
    }

    [Fact]
    public void A_full_default_pool_is_a_warning_naming_the_free_space()
    {
        Common();
        var free = HostValidator.Validate(new HostTree(_root, FakeQemu), "qemu", minFree: long.MaxValue).Single(c => c.Description.StartsWith("for free space"));
        Assert.Equal(CheckResult.Warn, free.Result);
        Assert.Matches(@"^Only \d+ MiB free", free.Hint);
    }
}
