using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>virsh flags that do something: each one does it here, or is refused by name - never ignored.</summary>
public class CliFlagTests : DaemonTestBase
{
    private static string Dom(string name, string devices) =>
        $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os><devices>{devices}</devices></domain>";

    [Fact]
    public async Task Graphics_passwords_show_only_with_security_info_and_edit_keeps_them()
    {
        (await D.Vireo("define", Write("pw.xml", Dom("pw", "<graphics type='vnc' port='-1' autoport='yes' passwd='s3cret'/>")))).Ok();
        var plain = (await D.Vireo("dumpxml", "pw")).Ok().Stdout;
        Assert.DoesNotContain("s3cret", plain);
        Assert.Contains("<graphics type='vnc'", plain);
        Assert.Contains("passwd='s3cret'", (await D.Vireo("dumpxml", "pw", "--security-info")).Ok().Stdout);
        Assert.DoesNotContain("s3cret", (await D.Vireo("dumpxml", "pw", "--inactive", "--xpath", "//graphics")).Ok().Stdout);
        var edited = await D.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = "sed -i 's/>65536</>98304</'" }, "edit", "pw");
        Assert.Contains("XML configuration edited", edited.Ok().Stdout);
        Assert.Contains("passwd='s3cret'", (await D.Vireo("dumpxml", "pw", "--security-info")).Ok().Stdout);
    }

    [Fact]
    public async Task Flags_vireo_cannot_honour_are_refused_by_name()
    {
        (await D.Vireo("define", Write("f.xml", Dom("f", "")))).Ok();
        (await D.Vireo("start", "f", "--autodestroy")).Fails("--autodestroy is not supported");
        (await D.Vireo("dumpxml", "f", "--update-cpu")).Fails("option --update-cpu is not supported");
        (await D.Vireo("dumpxml", "f", "--migratable")).Fails("option --migratable is not supported");
        (await D.Vireo("undefine", "f", "--wipe-storage")).Fails("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'");
        Assert.Equal("shut off", (await D.Vireo("domstate", "f")).Ok().Stdout.Trim());
    }

    [Fact]
    public async Task Version_mentions_the_daemon_only_with_daemon()
    {
        Assert.DoesNotContain("Running against daemon", (await D.Vireo("version")).Ok().Stdout);
        Assert.Contains("Running against daemon: ", (await D.Vireo("version", "--daemon")).Ok().Stdout);
    }

    [Fact]
    public async Task Undefine_remove_all_storage_deletes_the_pool_volumes_and_reports_the_rest()
    {
        var pool = Path.Combine(D.Root, "var/lib/vireo/images");
        (await D.Vireo("vol-create-as", "default", "sys.qcow2", "1M", "--format", "qcow2")).Ok();
        (await D.Vireo("vol-create-as", "default", "data.raw", "1M")).Ok();
        (await D.Vireo("vol-create-as", "default", "shared.iso", "1M")).Ok();
        var loose = Path.Combine(D.Root, "loose.img");
        File.WriteAllBytes(loose, new byte[4096]);
        (await D.Vireo("define", Write("s.xml", Dom("s", $"""
            <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{pool}/sys.qcow2'/><target dev='vda' bus='virtio'/></disk>
            <disk type='volume' device='disk'><source pool='default' volume='data.raw'/><target dev='vdb' bus='virtio'/></disk>
            <disk type='file' device='disk'><source file='{loose}'/><target dev='vdc' bus='virtio'/></disk>
            <disk type='file' device='cdrom'><source file='{pool}/shared.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
            """)))).Ok();

        var r = await D.Vireo("undefine", "s", "--remove-all-storage");
        Assert.Equal(1, r.ExitCode); // the loose file could not be removed: a script must be able to tell
        Assert.Contains($"Volume 'vda'({pool}/sys.qcow2) removed.", r.Stdout);
        Assert.Contains("Volume 'vdb'(data.raw) removed.", r.Stdout);
        Assert.Contains("Volume 'sda'(" + pool + "/shared.iso) is read-only media and is kept.", r.Stdout);
        Assert.Contains($"error: Storage volume 'vdc'({loose}) is not managed by vireo. Remove it manually.", r.Stderr);
        Assert.Contains("Domain 's' has been undefined", r.Stdout);
        Assert.False(File.Exists(Path.Combine(pool, "sys.qcow2")));
        Assert.False(File.Exists(Path.Combine(pool, "data.raw")));
        Assert.True(File.Exists(Path.Combine(pool, "shared.iso")));
        Assert.True(File.Exists(loose));
        (await D.Vireo("dominfo", "s")).Fails("failed to get domain 's'");
    }

    [Fact]
    public async Task Undefine_storage_removes_only_the_named_disks()
    {
        var pool = Path.Combine(D.Root, "var/lib/vireo/images");
        (await D.Vireo("vol-create-as", "default", "keep.raw", "1M")).Ok();
        (await D.Vireo("vol-create-as", "default", "drop.raw", "1M")).Ok();
        (await D.Vireo("define", Write("n.xml", Dom("n", $"""
            <disk type='file' device='disk'><source file='{pool}/keep.raw'/><target dev='vda' bus='virtio'/></disk>
            <disk type='file' device='disk'><source file='{pool}/drop.raw'/><target dev='vdb' bus='virtio'/></disk>
            """)))).Ok();
        (await D.Vireo("undefine", "n", "--storage", "vdz")).Fails("Volume 'vdz' was not found in domain's definition");
        Assert.Equal("shut off", (await D.Vireo("domstate", "n")).Ok().Stdout.Trim()); // refused before anything changed
        var r = (await D.Vireo("undefine", "n", "--storage", "vdb", "--wipe-storage")).Ok();
        Assert.Contains($"Volume 'vdb'({pool}/drop.raw) removed.", r.Stdout);
        Assert.True(File.Exists(Path.Combine(pool, "keep.raw")));
        Assert.False(File.Exists(Path.Combine(pool, "drop.raw")));
    }

    [Fact]
    public async Task Link_state_of_a_defined_domain_is_its_configuration()
    {
        (await D.Vireo("define", Write("l.xml", Dom("l", "<interface type='user'><mac address='52:54:00:aa:bb:cc'/><model type='virtio'/></interface>")))).Ok();
        Assert.Equal("52:54:00:aa:bb:cc up\n\n", (await D.Vireo("domif-getlink", "l", "52:54:00:aa:bb:cc")).Ok().Stdout);
        Assert.Contains("Device updated successfully", (await D.Vireo("domif-setlink", "l", "52:54:00:AA:BB:CC", "down", "--config")).Ok().Stdout);
        Assert.Contains("<link state='down'/>", (await D.Vireo("dumpxml", "l", "--inactive")).Ok().Stdout);
        Assert.Equal("52:54:00:aa:bb:cc down\n\n", (await D.Vireo("domif-getlink", "l", "52:54:00:aa:bb:cc", "--config")).Ok().Stdout);
        (await D.Vireo("domif-setlink", "l", "52:54:00:aa:bb:cc", "sideways")).Fails("invalid link state 'sideways'");
        (await D.Vireo("domif-setlink", "l", "52:54:00:00:00:01", "up")).Fails("interface (52:54:00:00:00:01) not found");
    }

    [Fact]
    public async Task Volume_flags_vireo_cannot_honour_are_refused_by_name()
    {
        (await D.Vireo("vol-create-as", "default", "v.raw", "1M")).Ok();
        var local = Write("local.raw", "data");
        (await D.Vireo("vol-clone", "v.raw", "c.raw", "--pool", "default", "--reflink")).Fails("option --reflink is not supported");
        (await D.Vireo("vol-delete", "v.raw", "--pool", "default", "--delete-snapshots")).Fails("option --delete-snapshots is not supported");
        (await D.Vireo("vol-resize", "v.raw", "2M", "--pool", "default", "--allocate")).Fails("option --allocate is not supported");
        (await D.Vireo("vol-upload", "v.raw", local, "--pool", "default", "--sparse")).Fails("option --sparse is not supported");
        Assert.Contains("Capacity:       1.00 MiB", (await D.Vireo("vol-info", "v.raw", "--pool", "default")).Ok().Stdout); // unchanged
        // vol-info --physical: the file's size on the host instead of its allocation.
        (await D.Vireo("vol-create-as", "default", "q.qcow2", "1G", "--format", "qcow2")).Ok();
        var info = (await D.Vireo("vol-info", "q.qcow2", "--pool", "default", "--physical", "--bytes")).Ok().Stdout;
        var length = new FileInfo(Path.Combine(D.Root, "var/lib/vireo/images/q.qcow2")).Length;
        Assert.Contains($"Physical:       {length} bytes", info);
        Assert.DoesNotContain("Allocation:", info);
    }
}
