using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Storage;

/// <summary>An iscsi-direct pool against a real tgt target on loopback, CHAP credentials from a secret; a guest boots with a LUN.</summary>
public class IscsiDirectTests : VmTestBase
{
    private async Task<string> DefineChapSecretAsync(string password)
    {
        var xml = Path.Combine(D.Root, "chap.xml");
        await File.WriteAllTextAsync(xml, "<secret ephemeral='no' private='yes'><usage type='iscsi'><target>vireo-chap</target></usage></secret>");
        var uuid = (await D.Vireo("secret-define", xml)).Ok().Stdout.Split(' ')[1];
        (await D.Vireo("secret-set-value", uuid, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(password)))).Ok();
        return uuid;
    }

    private string PoolXml(int port, string uuid) => $"""
        <pool type='iscsi-direct'>
          <name>san</name>
          <source>
            <host name='127.0.0.1' port='{port}'/>
            <device path='{TgtTarget.Iqn}'/>
            <initiator><iqn name='iqn.2026-11.org.vireo:initiator'/></initiator>
            <auth type='chap' username='{TgtTarget.User}'><secret uuid='{uuid}'/></auth>
          </source>
        </pool>
        """;

    [SkippableFact]
    public async Task A_guest_boots_with_a_lun_of_an_iscsi_direct_pool_using_chap_from_a_secret()
    {
        var why = TgtTarget.Unavailable();
        Skip.If(why is not null, why);
        await using var tgt = await TgtTarget.StartAsync(D.Root);
        // A wrong password first: the pool does not start and says why.
        var wrong = await DefineChapSecretAsync("not-the-password");
        var poolFile = Path.Combine(D.Root, "san.xml");
        await File.WriteAllTextAsync(poolFile, PoolXml(tgt.Port, wrong));
        (await D.Vireo("pool-define", poolFile)).Ok();
        (await D.Vireo("pool-start", "san")).Fails("Authentication failure");
        (await D.Vireo("pool-undefine", "san")).Ok();
        (await D.Vireo("secret-undefine", wrong)).Ok();

        var uuid = await DefineChapSecretAsync(tgt.Password);
        await File.WriteAllTextAsync(poolFile, PoolXml(tgt.Port, uuid));
        (await D.Vireo("pool-define", poolFile)).Ok();
        (await D.Vireo("pool-start", "san")).Ok();
        var vols = (await D.Vireo("vol-list", "san", "--details")).Ok().Stdout;
        Assert.Contains(" unit:0:0:1 ", vols);
        Assert.Contains("64.00 MiB", vols);
        var sources = (await D.Vireo("find-storage-pool-sources-as", "iscsi-direct", "127.0.0.1", tgt.Port.ToString())).Ok().Stdout;
        Assert.Contains(TgtTarget.Iqn, sources);
        // Discovery as a named initiator (libiscsi's iscsi-ls -i); the target admits ALL initiators.
        var asInitiator = (await D.Vireo("find-storage-pool-sources-as", "iscsi-direct", "127.0.0.1", tgt.Port.ToString(),
            "--initiator", "iqn.2024-01.org.vireo:probe")).Ok().Stdout;
        Assert.Contains(TgtTarget.Iqn, asInitiator);

        await DefineGuestAsync("iscsi", "<disk type='volume' device='disk'><source pool='san' volume='unit:0:0:1'/><target dev='vda' bus='virtio'/></disk>");
        await BootAsync("iscsi");
        var r = await D.VireoWithInput(
            "echo SIZE-$(cat /sys/block/vda/size)-END; echo iscsi-marker | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null; echo WROTE-$((6*7))\n",
            "console", "iscsi", "--until", "WROTE-42", "--timeout", "90");
        r.Ok();
        Assert.True(r.Stdout.Contains("SIZE-131072-END"), r.Stdout);
        (await D.Vireo("destroy", "iscsi")).Ok();
        // The bytes went over iSCSI into tgt's backing file.
        var bytes = new byte[12];
        using (var f = File.OpenHandle(tgt.LunFile)) RandomAccess.Read(f, bytes, 8 * 512);
        Assert.Equal("iscsi-marker", System.Text.Encoding.ASCII.GetString(bytes));
        // The CHAP password never appears in clear where a user could read it: domain log, status, argv.
        foreach (var file in Directory.EnumerateFiles(D.Root, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".img") && !f.EndsWith(".sock")))
            Assert.False(File.ReadAllText(file).Contains(tgt.Password), $"the CHAP password is in clear in {file}");
        (await D.Vireo("pool-destroy", "san")).Ok();
    }
}
