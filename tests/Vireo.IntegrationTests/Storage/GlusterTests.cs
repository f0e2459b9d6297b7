using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Storage;

/// <summary>GlusterFS for real: the notes' FUSE mount with a dir pool on it, a netfs glusterfs pool, and gluster:// disks through QEMU.</summary>
public class GlusterTests : VmTestBase
{
    private async Task<GlusterVolume?> StartGlusterAsync()
    {
        var why = GlusterVolume.Unavailable();
        Skip.If(why is not null, why);
        return await GlusterVolume.StartAsync(Path.Combine(D.Root, "gluster"));
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(D.Root, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    [SkippableFact]
    public async Task Netfs_glusterfs_pool_and_a_dir_pool_on_the_mount_as_the_notes_recommend()
    {
        await using var g = (await StartGlusterAsync())!;
        var mnt = Path.Combine(D.Root, "GlusterFS");
        // netfs: Vireo mounts the volume through FUSE.
        (await D.Vireo("pool-define-as", "gnet", "netfs", "--source-host", g.Host, "--source-path", "/" + GlusterVolume.Name,
            "--source-format", "glusterfs", "--target", mnt)).Ok();
        (await D.Vireo("pool-build", "gnet")).Ok();
        (await D.Vireo("pool-start", "gnet")).Ok();
        Assert.Contains($"{g.Host}:/{GlusterVolume.Name} {mnt} fuse.glusterfs", File.ReadAllText("/proc/self/mounts"));
        (await D.Vireo("vol-create-as", "gnet", "disk.qcow2", "32M", "--format", "qcow2")).Ok();
        Assert.True(File.Exists(Path.Combine(g.Brick, "disk.qcow2")), "the volume should be on the brick");

        // The notes' way: a dir pool on the mounted volume, XML as written there.
        var xml = await WriteAsync("gluster.xml", $"""
            <pool type='dir'>
            <name>glusterfs-pool</name>
            <target>
            <path>{mnt}</path>
            <permissions>
            <mode>0755</mode>
            <owner>107</owner>
            <group>107</group>
            <label>system_u:object_r:virt_image_t:s0</label>
            </permissions>
            </target>
            </pool>
            """);
        (await D.Vireo("pool-define", "--file", xml)).Fails("already in use by pool 'gnet'");
        (await D.Vireo("pool-destroy", "gnet")).Ok();
        Assert.DoesNotContain(mnt, File.ReadAllText("/proc/self/mounts"));
        (await D.Vireo("pool-undefine", "gnet")).Ok();
        using (var mount = System.Diagnostics.Process.Start("mount", ["-t", "glusterfs", $"{g.Host}:/{GlusterVolume.Name}", mnt])) mount.WaitForExit();
        try
        {
            (await D.Vireo("pool-define", "--file", xml)).Ok();
            (await D.Vireo("pool-start", "--pool", "glusterfs-pool")).Ok();
            (await D.Vireo("pool-autostart", "--pool", "glusterfs-pool")).Ok();
            Assert.Contains("disk.qcow2", (await D.Vireo("vol-list", "glusterfs-pool")).Ok().Stdout);
            (await D.Vireo("vol-create-as", "glusterfs-pool", "boot.raw", "16M")).Ok();
            await DefineGuestAsync("gfuse", "<disk type='volume' device='disk'><source pool='glusterfs-pool' volume='boot.raw'/><target dev='vda' bus='virtio'/></disk>");
            await BootAsync("gfuse");
            (await D.VireoWithInput("echo gluster-fuse-marker | dd of=/dev/vda conv=fsync 2>/dev/null; echo DONE-$((2*3))\n",
                "console", "gfuse", "--until", "DONE-6", "--timeout", "60")).Ok();
            (await D.Vireo("destroy", "gfuse")).Ok();
            Assert.StartsWith("gluster-fuse-marker", File.ReadAllText(Path.Combine(g.Brick, "boot.raw")));
            (await D.Vireo("pool-destroy", "glusterfs-pool")).Ok();
        }
        finally
        {
            using var umount = System.Diagnostics.Process.Start("umount", [mnt]);
            umount.WaitForExit();
        }
    }

    [SkippableFact]
    public async Task A_gluster_pool_volume_boots_as_a_gluster_network_disk()
    {
        await using var g = (await StartGlusterAsync())!;
        (await D.Vireo("pool-define", await WriteAsync("gpool.xml",
            $"<pool type='gluster'><name>gv</name><source><name>{GlusterVolume.Name}</name><host name='{g.Host}'/></source></pool>"))).Ok();
        (await D.Vireo("pool-start", "gv")).Ok();
        (await D.Vireo("vol-create-as", "gv", "net.raw", "16M")).Ok();
        Assert.True(File.Exists(Path.Combine(g.Brick, "net.raw")));
        await DefineGuestAsync("gnet", "<disk type='volume' device='disk'><source pool='gv' volume='net.raw'/><target dev='vda' bus='virtio'/></disk>");
        await BootAsync("gnet");
        // QEMU opened it with libgfapi: the command line names gluster, not a file.
        var log = File.ReadAllText(Path.Combine(D.Root, "var/log/vireo/qemu/gnet.log"));
        Assert.Contains("\"driver\":\"gluster\",\"volume\":\"gv0\",\"path\":\"net.raw\"", log);
        (await D.VireoWithInput("echo gfapi-marker | dd of=/dev/vda conv=fsync 2>/dev/null; echo DONE-$((3*3))\n",
            "console", "gnet", "--until", "DONE-9", "--timeout", "90")).Ok();
        (await D.Vireo("destroy", "gnet")).Ok();
        Assert.StartsWith("gfapi-marker", File.ReadAllText(Path.Combine(g.Brick, "net.raw")));
        (await D.Vireo("pool-destroy", "gv")).Ok();
    }

    [SkippableTheory]
    [InlineData("nfs", "NFS")]
    [InlineData("cifs", "CIFS")]
    public async Task Netfs_on_this_kernel_says_which_file_system_it_cannot_mount(string format, string named)
    {
        (format == "nfs" ? HostLimit.KernelMountsNfs : HostLimit.KernelMountsCifs)
            .SkipIf(File.ReadAllText("/proc/filesystems").Contains($"\t{format}\n"), $"this kernel can mount {format}");
        (await D.Vireo("pool-define-as", "share", "netfs", "--source-host", "127.0.0.1", "--source-path", "/export",
            "--source-format", format, "--target", Path.Combine(D.Root, "sharemnt"))).Ok();
        (await D.Vireo("pool-build", "share")).Ok();
        (await D.Vireo("pool-start", "share")).Fails($"this kernel cannot mount {named}");
        Assert.Contains("share", (await D.Vireo("pool-list", "--inactive")).Ok().Stdout);
    }
}
