using System.Text.RegularExpressions;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.HostChecks;

/// <summary>virsh's host introspection commands against this host, checked against /proc and QEMU itself.</summary>
public class NodeCommandsTests : DaemonTestBase
{
    private static long MemInfo(string field) =>
        long.Parse(Regex.Match(File.ReadAllText("/proc/meminfo"), $@"^{field}:\s+(\d+)", RegexOptions.Multiline).Groups[1].Value);

    [Fact]
    public async Task Nodeinfo_memstats_cpustats_and_freecell_describe_this_host()
    {
        var info = (await D.Vireo("nodeinfo")).Ok().Stdout;
        Assert.Matches($@"(?m)^CPU\(s\):\s+{Environment.ProcessorCount}$", info);
        Assert.Matches($@"(?m)^Memory size:\s+{MemInfo("MemTotal")} KiB$", info);
        Assert.Matches(@"(?m)^NUMA cell\(s\):\s+\d+$", info);
        Assert.Matches($@"(?m)^total  :\s+{MemInfo("MemTotal")} KiB$", (await D.Vireo("nodememstats")).Ok().Stdout);
        var cpu = (await D.Vireo("nodecpustats")).Ok().Stdout;
        var idle = long.Parse(Regex.Match(cpu, @"idle:\s+(\d+)").Groups[1].Value);
        var statIdle = long.Parse(File.ReadAllLines("/proc/stat")[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]) * 10_000_000;
        Assert.InRange(idle, statIdle - 60_000_000_000, statIdle + 1); // read a moment apart; idle only grows
        var pct = (await D.Vireo("nodecpustats", "--cpu", "0", "--percent")).Ok().Stdout;
        Assert.Matches(@"usage:\s+\d+\.\d%", pct);
        (await D.Vireo("nodecpustats", "--cpu", "4096")).Fails("Invalid cpuNum 4096");
        Assert.Matches(@"^Total:\s+\d+ KiB", (await D.Vireo("freecell")).Ok().Stdout);
        Assert.Matches(@"(?m)^\s+0:\s+\d+ KiB\n-+\nTotal:\s+\d+ KiB", (await D.Vireo("freecell", "--all")).Ok().Stdout);
        (await D.Vireo("freecell", "99")).Fails("cell number 99 does not exist");
        Assert.StartsWith("<sysinfo type='smbios'>", (await D.Vireo("sysinfo")).Ok().Stdout);
    }

    [SkippableFact]
    public async Task Capabilities_domcapabilities_and_maxvcpus_come_from_the_qemu_binary()
    {
        Skip.If(!File.Exists("/usr/bin/qemu-system-x86_64"), "QEMU is not installed");
        var caps = (await D.Vireo("capabilities")).Ok().Stdout;
        Assert.Contains("<emulator>/usr/bin/qemu-system-x86_64</emulator>", caps);
        Assert.Matches(@"<machine canonical='pc-q35-[\d.]+' maxCpus='\d+'>q35</machine>", caps);
        Assert.Contains("<domain type='qemu'/>", caps);
        var kvm = Vireo.Host.Facts.Accelerator.Probe();
        Assert.Equal(kvm.Usable, caps.Contains("<domain type='kvm'/>"));
        var dom = (await D.Vireo("domcapabilities", "--virttype", "qemu", "--machine", "q35")).Ok().Stdout;
        Assert.Matches(@"<machine>pc-q35-[\d.]+</machine>", dom);
        var max = int.Parse(Regex.Match(dom, @"<vcpu max='(\d+)'").Groups[1].Value);
        Assert.True(max > 1);
        Assert.Contains("<model usable='yes'>qemu64</model>", dom);
        Assert.Contains("<value>vfio</value>", dom);
        (await D.Vireo("domcapabilities", "--machine", "no-such-machine", "--virttype", "qemu")).Fails("the machine 'no-such-machine' is not supported");
        Assert.Matches(@"^\d+\n", (await D.Vireo("maxvcpus", "--type", "qemu")).Ok().Stdout);
        if (!kvm.Usable) (await D.Vireo("maxvcpus", "--type", "kvm")).Fails("KVM is not usable on this host");
    }
}
