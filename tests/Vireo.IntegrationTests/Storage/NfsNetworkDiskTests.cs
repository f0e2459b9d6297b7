using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Storage;

/// <summary>&lt;source protocol='nfs'&gt; network disks against a real NFS-Ganesha export, reached by QEMU's own NFS client.</summary>
public class NfsNetworkDiskTests : VmTestBase
{
    [SkippableFact]
    public async Task A_guest_writes_to_an_nfs_network_disk_served_by_ganesha()
    {
        var why = NfsGanesha.Unavailable();
        Skip.If(why is not null, why);
        await using var nfs = await NfsGanesha.StartAsync(Path.Combine(D.Root, "nfs"));
        var image = Path.Combine(nfs.Export, "disk.raw");
        using (var f = File.Create(image)) f.SetLength(16L << 20);
        await DefineGuestAsync("nfsvm", $"""
            <disk type='network' device='disk'>
              <driver name='qemu' type='raw'/>
              <source protocol='nfs' name='{image}'><host name='127.0.0.1'/></source>
              <target dev='vda' bus='virtio'/>
            </disk>
            """);
        await BootAsync("nfsvm");
        var r = await D.VireoWithInput("echo SIZE-$(cat /sys/block/vda/size)-END; echo nfs-marker | dd of=/dev/vda conv=fsync 2>/dev/null; echo DONE-$((4*4))\n",
            "console", "nfsvm", "--until", "DONE-16", "--timeout", "90");
        r.Ok();
        Assert.True(r.Stdout.Contains("SIZE-32768-END"), r.Stdout);
        (await D.Vireo("destroy", "nfsvm")).Ok();
        Assert.StartsWith("nfs-marker", File.ReadAllText(image));
        Assert.Matches(@" network\s+disk\s+vda\s+" + System.Text.RegularExpressions.Regex.Escape(image), (await D.Vireo("domblklist", "nfsvm", "--details")).Ok().Stdout);
    }
}
