using Vireo.Core.Domain;
using Vireo.Core.Paths;
using Vireo.Storage.Files;

namespace Vireo.Storage.Tests.Files;

/// <summary>The host side of a definition's paths: policy with symlinks resolved, kinds of file, backing chains.</summary>
public sealed class HostFileCheckTests : PoolDirFixture
{
    private static readonly GuestPathPolicy Default = new(null, []);

    private static List<string> Check(string devices, GuestPathPolicy policy, string os = "") =>
        HostFileCheck.Problems(GuestHostPaths.Of(DomainDefinition.Parse($"""
            <domain type='qemu'><name>h</name><memory>65536</memory><os><type>hvm</type>{os}</os>
            <devices>{devices}</devices></domain>
            """)), policy);

    [Fact]
    public void The_real_etc_shadow_as_a_disk_is_refused_by_default_and_by_an_allow_list()
    {
        const string disk = "<disk type='file'><source file='/etc/shadow'/><target dev='vdb'/></disk>";
        Assert.Contains("disk 'vdb' source '/etc/shadow' lies in the host system directory '/etc/'", Assert.Single(Check(disk, Default)));
        Assert.Contains("'/etc/shadow' is outside the directories guests may use", Assert.Single(Check(disk, new GuestPathPolicy(["/vms"], []))));
    }

    [Fact]
    public void A_symlink_into_etc_is_etc()
    {
        File.CreateSymbolicLink(Path.Combine(Pool, "innocent.img"), "/etc/hostname");
        var problem = Assert.Single(Check($"<disk type='file'><source file='{Pool}/innocent.img'/><target dev='vdb'/></disk>", Default));
        Assert.Contains($"'{Pool}/innocent.img' leads to '/etc/hostname', which lies in the host system directory '/etc/'", problem);
    }

    [Fact]
    public void A_dangling_symlink_for_a_file_qemu_creates_leads_where_it_points()
    {
        File.CreateSymbolicLink(Path.Combine(Pool, "serial.log"), "/etc/vireo-test-not-created");
        var problem = Assert.Single(Check($"<serial type='file'><source path='{Pool}/serial.log'/><target port='0'/></serial>", Default));
        Assert.Contains("leads to '/etc/vireo-test-not-created'", problem);
    }

    [Fact]
    public void Special_files_are_refused_where_a_disk_image_is_expected()
    {
        Mkfifo(Path.Combine(Pool, "fifo"));
        Directory.CreateDirectory(Path.Combine(Pool, "dir"));
        var problems = Check($"""
            <disk type='file'><source file='{Pool}/fifo'/><target dev='vdb'/></disk>
            <disk type='file'><source file='{Pool}/dir'/><target dev='vdc'/></disk>
            <disk type='file'><source file='/dev/null'/><target dev='vdd'/></disk>
            <disk type='block'><source dev='{Pool}/dir'/><target dev='vde'/></disk>
            """, AllowRoot);
        Assert.Equal(4, problems.Count);
        Assert.Contains("is a FIFO, not a regular file", problems[0]);
        Assert.Contains("is a directory, not a regular file", problems[1]);
        Assert.Contains("'/dev/null' is outside", problems[2]);
        Assert.Contains("is a directory, not a block device", problems[3]);
        Assert.Contains("'/dev/null' is a character device, not a regular file", Assert.Single(Check("<disk type='file'><source file='/dev/null'/><target dev='vdd'/></disk>", Default)));
    }

    [SkippableFact]
    public void The_host_memory_device_is_no_serial_line_but_a_tty_is()
    {
        var mem = new[] { "/dev/mem", "/dev/kmsg" }.FirstOrDefault(File.Exists);
        HostLimit.NoDevMem.SkipIf(mem is null, "neither /dev/mem nor /dev/kmsg exists here");
        Assert.Contains($"'{mem}' is the host memory device 1:", Assert.Single(Check($"<serial type='dev'><source path='{mem}'/><target port='0'/></serial>", Default)));
        Assert.Empty(Check("<serial type='dev'><source path='/dev/tty'/><target port='0'/></serial>", Default));
    }

    [SkippableFact]
    public void A_kernel_from_boot_is_read_only_and_allowed()
    {
        var kernel = Directory.GetFiles("/boot", "vmlinuz-*").FirstOrDefault();
        Skip.If(kernel is null, "no /boot/vmlinuz-* on this host (test.sh installs linux-image-amd64)");
        Assert.Empty(Check("", Default, os: $"<kernel>{kernel}</kernel>"));
    }

    [Fact]
    public async Task A_disk_image_is_followed_down_its_backing_chain()
    {
        await Qcow2Async(Path.Combine(Pool, "evil.qcow2"), 1 << 20, "/etc/hostname", "raw");
        var problem = Assert.Single(Check($"<disk type='file'><driver name='qemu' type='qcow2'/><source file='{Pool}/evil.qcow2'/><target dev='vdb'/></disk>", Default));
        Assert.Contains($"disk 'vdb' source '{Pool}/evil.qcow2' has backing file '/etc/hostname': '/etc/hostname' lies in the host system directory '/etc/'", problem);
        // Opened as raw (no driver type), QEMU reads no header and follows nothing.
        Assert.Empty(Check($"<disk type='file'><source file='{Pool}/evil.qcow2'/><target dev='vdb'/></disk>", Default));
    }

    [Fact]
    public void Missing_files_are_left_to_qemu_but_still_checked_against_the_policy()
    {
        Assert.Empty(Check($"<disk type='file'><source file='{Pool}/not-yet.img'/><target dev='vdb'/></disk>", Default));
        Assert.Single(Check("<disk type='file'><source file='/etc/not-there.img'/><target dev='vdb'/></disk>", Default));
    }
}
