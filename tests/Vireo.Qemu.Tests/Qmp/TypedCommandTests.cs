using System.Text.Json.Nodes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Hotplug;
using Vireo.Qemu.Qmp;
using Vireo.Qemu.Tests.Hotplug;

namespace Vireo.Qemu.Tests.Qmp;

/// <summary>Each typed command sends exactly the JSON qemu's qapi schema names (id aside), and parses what comes back.</summary>
public class TypedCommandTests
{
    private static readonly Dictionary<string, (Func<QmpClient, Task> Call, string Sent)> Commands = new()
    {
        ["netdev_add tap"] = (q => q.NetdevAddAsync(new QmpTapNetdev("hostnet0", ["tapfd-net0-0"], Vhost: true)),
            """netdev_add {"type":"tap","id":"hostnet0","fd":"tapfd-net0-0","vhost":true}"""),
        ["netdev_add tap, multiqueue"] = (q => q.NetdevAddAsync(new QmpTapNetdev("hostnet1", ["a", "b", "c"], Vhost: false)),
            """netdev_add {"type":"tap","id":"hostnet1","fds":"a:b:c","vhost":false}"""),
        ["netdev_add user"] = (q => q.NetdevAddAsync(new QmpUserNetdev("hostnet2")), """netdev_add {"type":"user","id":"hostnet2"}"""),
        ["netdev_del"] = (q => q.NetdevDelAsync("hostnet0"), """netdev_del {"id":"hostnet0"}"""),
        ["set_link"] = (q => q.SetLinkAsync("net0", up: false), """set_link {"name":"net0","up":false}"""),
        ["getfd"] = (q => WithFd(fd => q.GetFdAsync("tapfd-net0-0", fd)), """getfd {"fdname":"tapfd-net0-0"}"""),
        ["closefd"] = (q => q.CloseFdAsync("tapfd-net0-0"), """closefd {"fdname":"tapfd-net0-0"}"""),
        ["object-add master key"] = (q => q.ObjectAddAsync(QmpSecretObject.MasterKey("/k/master-key.aes")),
            """object-add {"qom-type":"secret","id":"masterKey0","file":"/k/master-key.aes","format":"raw"}"""),
        ["object-add secret"] = (q => q.ObjectAddAsync(QmpSecretObject.Encrypted(new QemuSecret("s0", "REFUQQ==", "SVY="))),
            """object-add {"qom-type":"secret","id":"s0","data":"REFUQQ==","keyid":"masterKey0","iv":"SVY=","format":"base64"}"""),
        ["object-del"] = (q => q.ObjectDelAsync("s0"), """object-del {"id":"s0"}"""),
        ["qom-list"] = (q => q.QomListAsync("/objects"), """qom-list {"path":"/objects"}"""),
        ["device_add"] = (q => q.DeviceAddAsync(QmpDevice.FromSpec("scsi-hd,bus=scsi0.0,channel=0,scsi-id=1,lun=2,drive=vireo-sdb-format,id=scsi0-0-1-2,serial=a,,b").OnBus("scsi1.0")),
            """device_add {"driver":"scsi-hd","channel":0,"scsi-id":1,"lun":2,"drive":"vireo-sdb-format","id":"scsi0-0-1-2","serial":"a,b","bus":"scsi1.0"}"""),
        ["device_del"] = (q => q.DeviceDelAsync("net0"), """device_del {"id":"net0"}"""),
        ["query-pci"] = (q => q.QueryPciAsync(), "query-pci"),
        ["blockdev-add"] = (q => q.BlockdevAddAsync(QmpBlockdev.FromJson("""{"driver":"file","filename":"/i/a.img","node-name":"vireo-vdb-storage"}""")),
            """blockdev-add {"driver":"file","filename":"/i/a.img","node-name":"vireo-vdb-storage"}"""),
        ["blockdev-del"] = (q => q.BlockdevDelAsync("vireo-vdb-format"), """blockdev-del {"node-name":"vireo-vdb-format"}"""),
        ["blockdev-open-tray"] = (q => q.BlockdevOpenTrayAsync("ide0-1-0", force: true), """blockdev-open-tray {"id":"ide0-1-0","force":true}"""),
        ["blockdev-remove-medium"] = (q => q.BlockdevRemoveMediumAsync("ide0-1-0"), """blockdev-remove-medium {"id":"ide0-1-0"}"""),
        ["blockdev-insert-medium"] = (q => q.BlockdevInsertMediumAsync("ide0-1-0", "vireo-hdc-format"),
            """blockdev-insert-medium {"id":"ide0-1-0","node-name":"vireo-hdc-format"}"""),
        ["blockdev-close-tray"] = (q => q.BlockdevCloseTrayAsync("ide0-1-0"), """blockdev-close-tray {"id":"ide0-1-0"}"""),
        ["block_resize"] = (q => q.BlockResizeAsync("vireo-vda-format", 33554432), """block_resize {"node-name":"vireo-vda-format","size":33554432}"""),
        ["query-blockstats"] = (q => q.QueryBlockstatsAsync(), """query-blockstats {"query-nodes":false}"""),
        ["set_password"] = (q => q.SetVncPasswordAsync("pw"), """set_password {"protocol":"vnc","password":"pw"}"""),
        ["human-monitor-command"] = (q => q.HumanMonitorCommandAsync("info block"), """human-monitor-command {"command-line":"info block"}"""),
        ["query-version"] = (q => q.QueryVersionAsync(), "query-version"),
        ["query-machines"] = (q => q.QueryMachinesAsync(), "query-machines"),
        ["query-cpu-definitions"] = (q => q.QueryCpuDefinitionsAsync(), "query-cpu-definitions"),
        ["stop"] = (q => q.StopAsync(), "stop"),
        ["cont"] = (q => q.ContAsync(), "cont"),
    };

    public static TheoryData<string> Names() => [.. Commands.Keys];

    private static async Task WithFd(Func<Microsoft.Win32.SafeHandles.SafeFileHandle, Task> send)
    {
        using var fd = File.OpenHandle("/dev/null");
        await send(fd);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Sends_exactly_this(string name)
    {
        var (call, sent) = Commands[name];
        await using var qemu = new ScriptedQmp();
        await using var qmp = await qemu.ConnectAsync();
        await call(qmp);
        Assert.Equal([sent], qemu.Commands);
    }

    [Fact]
    public async Task Query_pci_is_read_into_buses_devices_and_bridges_and_the_first_empty_port_is_free()
    {
        await using var qemu = new ScriptedQmp { Pci = ScriptedQmp.Q35Ports() };
        await using var qmp = await qemu.ConnectAsync();
        var buses = await qmp.QueryPciAsync();
        var ports = buses[0].Devices.Where(d => d.Bridge is not null).ToList();
        Assert.Equal(["vireo-port1", "vireo-port2"], ports.Select(p => p.QdevId));
        Assert.Equal(new QmpPciDevice(1, 0, 0, "net0", null), ports[0].Bridge!.Devices.Single());
        Assert.Equal(2, ports[1].Bridge!.Bus);
        Assert.Null(buses[0].Devices[0].QdevId);
        Assert.Equal("vireo-port2", HotplugPorts.FirstFree(buses));
    }

    [Fact]
    public async Task A_secret_object_without_exactly_one_of_data_and_file_or_a_tap_without_descriptors_is_never_sent()
    {
        await using var qemu = new ScriptedQmp();
        await using var qmp = await qemu.ConnectAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => qmp.ObjectAddAsync(new QmpSecretObject("x", "raw")));
        await Assert.ThrowsAsync<ArgumentException>(() => qmp.ObjectAddAsync(new QmpSecretObject("x", "raw", Data: "a", File: "/f")));
        await Assert.ThrowsAsync<ArgumentException>(() => qmp.NetdevAddAsync(new QmpTapNetdev("hostnet0", [], Vhost: false)));
        Assert.Empty(qemu.Commands);
    }
}
