using Vireo.Core.Paths;

namespace Vireo.Core.Tests.Paths;

public class GuestPathPolicyTests
{
    private static readonly string[] State = ["/etc/vireo", "/run/vireo", "/var/lib/vireo/qemu"];
    private static readonly GuestPathPolicy Default = new(null, State);

    [Theory]
    [InlineData("/vms/dbvm_disk2.img")]
    [InlineData("/var/lib/libvirt/images/fedora.qcow2")]
    [InlineData("/var/lib/vireo/images/a.qcow2")]
    [InlineData("/tmp/vireo-it-1/disk.img")]
    [InlineData("/dev/vg0/lv")]
    [InlineData("/sys/devices/pci0000:00/0000:00:01.0/config")]
    public void The_default_allows_what_the_notes_and_tests_use(string path) => Assert.Null(Default.Refusal(path, readOnly: false));

    [Theory]
    [InlineData("/etc/shadow", "'/etc/'")]
    [InlineData("/usr/bin/qemu-system-x86_64", "'/usr/bin/'")]
    [InlineData("/lib64/ld-linux-x86-64.so.2", "'/lib'")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libc.so.6", "'/usr/lib'")]
    [InlineData("/proc/self/environ", "'/proc/'")]
    [InlineData("/usr/share/qemu/bios.bin", "'/usr/share/'")]
    public void The_default_refuses_libvirts_restricted_system_directories(string path, string dir)
    {
        Assert.Contains($"lies in the host system directory {dir}", Default.Refusal(path, readOnly: true));
        Assert.NotNull(Default.Refusal(path, readOnly: false));
    }

    [Theory]
    [InlineData("/boot/vmlinuz-6.1.0-18-amd64")]
    [InlineData("/usr/share/OVMF/OVMF_CODE_4M.fd")]
    [InlineData("/initrd.img")]
    public void Kernels_and_firmware_may_be_read_but_not_written(string path)
    {
        Assert.Null(Default.Refusal(path, readOnly: true));
        Assert.Contains("which guests may only read", Default.Refusal(path, readOnly: false));
    }

    [Theory]
    [InlineData("/etc/vireo/qemu/other.xml")]
    [InlineData("/run/vireo/qemu/other.xml")]
    [InlineData("/var/lib/vireo/qemu/other/master-key.aes")]
    public void Vireods_own_state_is_always_refused(string path)
    {
        Assert.Contains("is part of vireod's own state", Default.Refusal(path, readOnly: true));
        var everything = new GuestPathPolicy(["/"], State);
        Assert.Contains("is part of vireod's own state", everything.Refusal(path, readOnly: true));
    }

    [Fact]
    public void An_allow_list_allows_only_its_directories()
    {
        var policy = new GuestPathPolicy(["/vms", "/var/lib/libvirt/images"], State);
        Assert.Null(policy.Refusal("/vms/dbvm_disk2.img", false));
        Assert.Null(policy.Refusal("/var/lib/libvirt/images/a/b.qcow2", false));
        Assert.Contains("is outside the directories guests may use (guest_paths in vireod.conf: /vms, /var/lib/libvirt/images)", policy.Refusal("/vmsx/a.img", false));
        Assert.NotNull(policy.Refusal("/etc/shadow", true));
        Assert.NotNull(policy.Refusal("/tmp/a.img", true));
    }

    [Fact]
    public void An_allow_list_may_open_a_system_directory_deliberately()
    {
        var policy = new GuestPathPolicy(["/usr/share/qemu"], State);
        Assert.Null(policy.Refusal("/usr/share/qemu/edk2-x86_64-code.fd", true));
    }

    [Fact]
    public void Explain_names_the_link_and_where_it_leads()
    {
        Assert.Null(Default.Explain("/vms/a.img", "/vms/a.img", false));
        Assert.StartsWith("'/etc/shadow' lies in", Default.Explain("/etc/shadow", "/etc/shadow", false));
        Assert.StartsWith("'/vms/a.img' leads to '/etc/shadow', which lies in the host system directory '/etc/'", Default.Explain("/vms/a.img", "/etc/shadow", false));
    }

    [Fact]
    public void Including_a_pool_directory_allows_it_even_inside_vireods_state()
    {
        var pool = Default.Including("/run/vireo/storage/gluster/g");
        Assert.Null(pool.Refusal("/run/vireo/storage/gluster/g/base.qcow2", true));
        Assert.NotNull(pool.Refusal("/run/vireo/qemu/x.xml", true));
        Assert.NotNull(pool.Refusal("/etc/shadow", true));
    }

    [Theory]
    [InlineData("vms")]
    [InlineData("/vms/../etc")]
    public void A_relative_or_unclean_guest_paths_entry_is_refused(string dir) =>
        Assert.StartsWith($"guest_paths: directory '{dir}'", Assert.Throws<ArgumentException>(() => new GuestPathPolicy([dir], State)).Message);
}
