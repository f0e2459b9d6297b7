using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>A start that fails, and a stop, leave no monitor socket, pid file or master key behind.</summary>
public class StartLeftoversTests : VmTestBase
{
    private string RunDir(string name) => Path.Combine(D.Root, "run/vireo/qemu", name);
    private string MasterKey(string name) => Path.Combine(D.Root, "var/lib/vireo/qemu", name, "master-key.aes");

    /// <summary>An iSCSI disk with CHAP: its password reaches QEMU encrypted under the domain's master key.</summary>
    private async Task DefineWithSecretDiskAsync(string name, int port, string iqn = "iqn.2026-12.org.vireo:nothing", string user = "kvm", string password = "chap-password")
    {
        var secretXml = Path.Combine(D.Root, "chap.xml");
        await File.WriteAllTextAsync(secretXml, "<secret ephemeral='no' private='no'><usage type='iscsi'><target>leftovers</target></usage></secret>");
        var uuid = (await D.Vireo("secret-define", "--file", secretXml)).Ok().Stdout.Split(' ')[1];
        (await D.Vireo("secret-set-value", uuid, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(password)))).Ok();
        await DefineGuestAsync(name, $"""
            <disk type='network' device='disk'>
              <driver name='qemu' type='raw'/>
              <source protocol='iscsi' name='{iqn}/1'>
                <host name='127.0.0.1' port='{port}'/>
                <auth username='{user}'><secret type='iscsi' uuid='{uuid}'/></auth>
              </source>
              <target dev='vdb' bus='virtio'/>
            </disk>
            """);
    }

    [SkippableFact]
    public async Task A_failed_start_removes_its_socket_pid_file_and_master_key()
    {
        // Nothing listens on port 1 of loopback: QEMU cannot open the disk and exits during start-up.
        await DefineWithSecretDiskAsync("nodisk", 1);
        (await D.Vireo("start", "nodisk")).Fails("QEMU failed to start domain 'nodisk'");
        Assert.Equal("shut off (failed)", await StateAsync("nodisk"));
        Assert.False(Directory.Exists(RunDir("nodisk")), "the run directory (qmp.sock, qemu.pid) is removed");
        Assert.False(File.Exists(MasterKey("nodisk")), "the master key is removed");
    }

    [SkippableFact]
    public async Task The_master_key_exists_while_its_qemu_runs_and_goes_with_it()
    {
        var why = TgtTarget.Unavailable();
        Skip.If(why is not null, why);
        await using var tgt = await TgtTarget.StartAsync(D.Root);
        await DefineWithSecretDiskAsync("keyed", tgt.Port, TgtTarget.Iqn, TgtTarget.User, tgt.Password);
        (await D.Vireo("start", "keyed")).Ok();
        Assert.True(File.Exists(MasterKey("keyed")));
        (await D.Vireo("destroy", "keyed")).Ok();
        Assert.False(File.Exists(MasterKey("keyed")));
        Assert.False(Directory.Exists(RunDir("keyed")));
    }
}
