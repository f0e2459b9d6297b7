using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Storage;

/// <summary>The notes' Ceph example against a real one-node cluster: a cephx secret, an rbd pool, a guest on an RBD image.</summary>
public class RbdTests : VmTestBase
{
    [SkippableFact]
    public async Task The_notes_ceph_pool_with_a_cephx_secret_and_a_guest_on_an_rbd_volume()
    {
        var why = CephCluster.Unavailable();
        Skip.If(why is not null, why);
        await using var ceph = await CephCluster.StartAsync(Path.Combine(D.Root, "ceph"));
        var key = await ceph.CreateRbdPoolAsync("KVMpool", "KVMpool");

        // As in the notes: define the secret, set its value to the key ceph printed.
        var secretXml = Path.Combine(D.Root, "secret.xml");
        await File.WriteAllTextAsync(secretXml, """
            <secret ephemeral='no' private='no'>
            <usage type='ceph'>
            <name>client.KVMpool secret</name>
            </usage>
            </secret>
            """);
        var uuid = (await D.Vireo("secret-define", "--file", secretXml)).Ok().Stdout.Split(' ')[1];
        (await D.Vireo("secret-set-value", uuid, key)).Ok();
        var poolXml = Path.Combine(D.Root, "ceph.xml");
        await File.WriteAllTextAsync(poolXml, $"""
            <pool type="rbd">
            <name>KVMpool</name>
            <source>
            <name>KVMpool</name>
            <host name='127.0.0.1' port='{ceph.MonPort}'/>
            <auth username='KVMpool' type='ceph'>
            <secret uuid='{uuid}'/>
            </auth>
            </source>
            </pool>
            """);
        (await D.Vireo("pool-define", "--file", poolXml)).Ok();
        (await D.Vireo("pool-start", "KVMpool")).Ok();
        (await D.Vireo("pool-autostart", "KVMpool")).Ok();
        Assert.Matches(@" KVMpool\s+running\s+yes\s+yes\s+\d", (await D.Vireo("pool-list", "--details")).Ok().Stdout);
        (await D.Vireo("vol-create-as", "KVMpool", "vm1-disk", "64M")).Ok();
        Assert.Contains("vm1-disk", (await D.Vireo("vol-list", "KVMpool")).Ok().Stdout);
        Assert.Contains("Capacity:       64.00 MiB", (await D.Vireo("vol-info", "--pool", "KVMpool", "vm1-disk")).Ok().Stdout);

        await DefineGuestAsync("cephvm", "<disk type='volume' device='disk'><source pool='KVMpool' volume='vm1-disk'/><target dev='vda' bus='virtio'/></disk>");
        await BootAsync("cephvm");
        var r = await D.VireoWithInput("echo SIZE-$(cat /sys/block/vda/size)-END; echo rbd-marker | dd of=/dev/vda conv=fsync 2>/dev/null; echo DONE-$((5*5))\n",
            "console", "cephvm", "--until", "DONE-25", "--timeout", "90");
        r.Ok();
        Assert.True(r.Stdout.Contains("SIZE-131072-END"), r.Stdout);
        (await D.Vireo("destroy", "cephvm")).Ok();
        Assert.StartsWith("rbd-marker", System.Text.Encoding.ASCII.GetString(ceph.Export("KVMpool", "vm1-disk"), 0, 16));
        // The cephx key is nowhere in clear under the vireod root (argv and logs carry it AES-encrypted).
        foreach (var file in Directory.EnumerateFiles(D.Root, "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/ceph/") && !f.EndsWith(".sock")))
            Assert.False(File.ReadAllText(file).Contains(key), $"the cephx key is in clear in {file}");
        (await D.Vireo("vol-delete", "vm1-disk", "--pool", "KVMpool")).Ok();
        Assert.DoesNotContain("vm1-disk", (await D.Vireo("vol-list", "KVMpool")).Ok().Stdout);
        // A wrong key: the pool does not start, and ceph's reason is shown.
        (await D.Vireo("pool-destroy", "KVMpool")).Ok();
        (await D.Vireo("secret-set-value", uuid, "AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ==")).Ok();
        (await D.Vireo("pool-start", "KVMpool")).Fails("failed for pool 'KVMpool'");
    }
}
