using System.Text.Json.Nodes;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Hotplug;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Tests.Hotplug;

/// <summary>
/// A disk plugged into a running q35 guest: the exact commands, in order, and for a refusal at each step exactly
/// what is undone (newest first) and nothing more.
/// </summary>
public class DiskHotplugTests
{
    private const string MasterKeyFile = "/var/lib/vireo/qemu/web1/master-key.aes";
    private static readonly QemuSecret Secret = new("vireo-vda-secret0", "Q0lQSEVSVEVYVA==", "SVYxMjM0NTY3ODkwMTIzNA==");

    private static DomainDefinition Guest(string machine = "q35") => DomainDefinition.Parse($"""
        <domain type='qemu'>
          <name>web1</name>
          <memory unit='MiB'>64</memory>
          <os><type arch='x86_64' machine='{machine}'>hvm</type></os>
          <devices>
            <disk type='network' device='disk'>
              <driver name='qemu' type='raw'/>
              <auth username='admin'><secret type='ceph' usage='client.admin'/></auth>
              <source protocol='rbd' name='pool/image'><host name='10.0.0.1' port='6789'/></source>
              <target dev='vda' bus='virtio'/>
            </disk>
          </devices>
        </domain>
        """);

    // The command line's own -blockdev values (pinned by the xml2argv golden files), sent unchanged.
    private static readonly string[] Plug =
    [
        "query-pci",
        """qom-list {"path":"/objects"}""",
        """object-add {"qom-type":"secret","id":"masterKey0","file":"/var/lib/vireo/qemu/web1/master-key.aes","format":"raw"}""",
        """object-add {"qom-type":"secret","id":"vireo-vda-secret0","data":"Q0lQSEVSVEVYVA==","keyid":"masterKey0","iv":"SVYxMjM0NTY3ODkwMTIzNA==","format":"base64"}""",
        """blockdev-add {"driver":"rbd","pool":"pool","image":"image","server":[{"host":"10.0.0.1","port":"6789"}],"user":"admin","auth-client-required":["cephx","none"],"key-secret":"vireo-vda-secret0","node-name":"vireo-vda-storage","auto-read-only":true}""",
        """blockdev-add {"node-name":"vireo-vda-format","read-only":false,"driver":"raw","file":"vireo-vda-storage"}""",
        """device_add {"driver":"virtio-blk-pci","drive":"vireo-vda-format","id":"virtio-disk0","bus":"vireo-port2"}""",
    ];

    private const string DelSecret = """object-del {"id":"vireo-vda-secret0"}""";
    private const string DelStorage = """blockdev-del {"node-name":"vireo-vda-storage"}""";
    private const string DelFormat = """blockdev-del {"node-name":"vireo-vda-format"}""";

    private static async Task<(ScriptedQmp Qemu, Exception? Error, List<string> Undo)> PlugAsync(int[] refuse, Func<JsonArray>? pci = null)
    {
        var qemu = new ScriptedQmp { Refuse = refuse, Pci = (pci ?? ScriptedQmp.Q35Ports)() };
        await using var qmp = await qemu.ConnectAsync();
        var live = Guest();
        var undoFailures = new List<string>();
        var error = await Record.ExceptionAsync(() => DiskHotplug.PlugAsync(qmp, live, live.Disks[0], Secret, MasterKeyFile, undoFailures.Add));
        return (qemu, error, undoFailures);
    }

    [Fact]
    public async Task A_plug_sends_secret_nodes_and_device_behind_a_free_root_port()
    {
        var (qemu, error, undo) = await PlugAsync([]);
        await using var _ = qemu;
        Assert.Null(error);
        Assert.Equal(Plug, qemu.Commands);
        Assert.Empty(undo);
    }

    public static TheoryData<int, string[]> Refusals() => new()
    {
        { 0, [] },                                  // query-pci: nothing changed yet
        { 1, [] },                                  // qom-list
        { 2, [] },                                  // the master key
        { 3, [] },                                  // the secret (the master key stays, as libvirt's does)
        { 4, [DelSecret] },                         // storage node
        { 5, [DelStorage, DelSecret] },             // format node
        { 6, [DelFormat, DelStorage, DelSecret] },  // device_add
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_step_undoes_exactly_the_steps_before_it_newest_first(int failAt, string[] undone)
    {
        var (qemu, error, undo) = await PlugAsync([failAt]);
        await using var _ = qemu;
        var refused = Assert.IsType<QmpErrorException>(error);
        Assert.Equal(Plug[failAt].Split(' ')[0], refused.Command);
        Assert.Equal([.. Plug[..(failAt + 1)], .. undone], qemu.Commands);
        Assert.Empty(undo);
    }

    [Fact]
    public async Task A_qemu_that_has_its_master_key_gets_only_the_secret()
    {
        await using var qemu = new ScriptedQmp { Pci = ScriptedQmp.Q35Ports(), Objects = [new JsonObject { ["name"] = "masterKey0", ["type"] = "child<secret>" }] };
        await using var qmp = await qemu.ConnectAsync();
        var live = Guest();
        await DiskHotplug.PlugAsync(qmp, live, live.Disks[0], Secret, MasterKeyFile, _ => { });
        Assert.Equal([.. Plug[..2], .. Plug[3..]], qemu.Commands);
    }

    [Fact]
    public async Task Without_a_free_root_port_nothing_is_sent_but_the_question()
    {
        var (qemu, error, _) = await PlugAsync([], () => [new JsonObject { ["bus"] = 0, ["devices"] = new JsonArray() }]);
        await using var _q = qemu;
        var e = Assert.IsType<VireoException>(error);
        Assert.Equal(ErrorCode.OperationFailed, e.Code);
        Assert.Equal("no free PCI Express root port left in domain 'web1' for hot-plugging (each start provides 4)", e.Message);
        Assert.Equal(["query-pci"], qemu.Commands);
    }

    [Fact]
    public async Task On_i440fx_the_device_goes_on_the_root_bus_without_asking_for_a_port()
    {
        await using var qemu = new ScriptedQmp();
        await using var qmp = await qemu.ConnectAsync();
        var live = Guest("pc");
        await DiskHotplug.PlugAsync(qmp, live, live.Disks[0], Secret, MasterKeyFile, _ => { });
        Assert.Equal([.. Plug[1..6], """device_add {"driver":"virtio-blk-pci","drive":"vireo-vda-format","id":"virtio-disk0"}"""], qemu.Commands);
    }

    [Fact]
    public async Task An_undo_that_fails_is_reported_and_the_others_still_run()
    {
        // device_add refused, then the format node's blockdev-del refused too.
        var (qemu, error, reported) = await PlugAsync([6, 7]);
        await using var _ = qemu;
        Assert.IsType<QmpErrorException>(error);
        Assert.Equal([.. Plug, DelFormat, DelStorage, DelSecret], qemu.Commands);
        Assert.Equal(["undoing 'block node vireo-vda-format' failed: QEMU refused 'blockdev-del': injected failure of 'blockdev-del' (GenericError)"], reported);
    }
}
