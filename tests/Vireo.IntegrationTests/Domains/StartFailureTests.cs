using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

public class StartFailureTests : VmTestBase
{
    [SkippableFact]
    public async Task Missing_kernel_fails_with_qemus_reason_and_leaves_nothing_running()
    {
        var file = Path.Combine(D.Root, "nokernel.xml");
        File.WriteAllText(file, Guest.Xml("nokernel", kernel: "/nonexistent/vmlinuz"));
        (await D.Vireo("define", file)).Ok();
        var r = await D.Vireo("start", "nokernel");
        r.Fails("QEMU failed to start domain 'nokernel'");
        Assert.Contains("/nonexistent/vmlinuz", r.Stderr);
        Assert.Equal("shut off (failed)", await StateAsync("nokernel"));
        Assert.Null(D.QemuPid("nokernel"));
        Assert.DoesNotContain(Directory.GetDirectories("/proc").Where(p => int.TryParse(Path.GetFileName(p), out _)),
            p => File.Exists(p + "/cmdline") && SafeRead(p + "/cmdline").Contains("guest=nokernel"));
    }

    [SkippableFact]
    public async Task Kvm_domain_on_a_host_without_usable_kvm_gets_a_clear_error()
    {
        var kvm = Vireo.Host.Facts.Accelerator.Probe();
        HostLimit.KvmUsable.SkipIf(kvm.Usable, "hardware KVM is usable on this host");
        var file = Path.Combine(D.Root, "kvm.xml");
        File.WriteAllText(file, Guest.Xml("kvmguest", type: "kvm"));
        (await D.Vireo("define", file)).Ok();
        var r = await D.Vireo("start", "kvmguest");
        r.Fails("asks for type='kvm'");
        Assert.Contains("type='qemu'", r.Stderr);
        Assert.Null(D.QemuPid("kvmguest"));
    }

    [SkippableFact]
    public async Task Unsupported_devices_are_refused_not_dropped()
    {
        var file = Path.Combine(D.Root, "hostdev.xml");
        File.WriteAllText(file, Guest.Xml("hd", "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source></hostdev>"));
        (await D.Vireo("define", file)).Ok();
        (await D.Vireo("start", "hd")).Fails("<hostdev> (line");
        Assert.Contains("<hostdev", (await D.Vireo("dumpxml", "hd")).Ok().Stdout);
    }

    private static string SafeRead(string path)
    {
        try { return File.ReadAllText(path); } catch (IOException) { return ""; }
    }
}
