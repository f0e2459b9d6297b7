using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Facts;
using Vireo.Host.Processes;
using Vireo.Storage.Iscsi;
using Vireo.Storage.Logical;
using Vireo.Storage.Zfs;

namespace Vireo.Storage.Tests;

/// <summary>
/// LVM, ZFS and the kernel iSCSI initiator cannot run on this kernel (no device-mapper, no zfs, no
/// iscsi_tcp): start must say so, naming the missing feature; the commands each backend runs are
/// checked against a recording runner and a fake /sys.
/// </summary>
public class CommandBackendTests
{
    private static StoragePoolDefinition Pool(string xml) => StoragePoolDefinition.Parse(xml);

    private static readonly StoragePoolDefinition Lvm = Pool(
        "<pool type='logical'><name>vg0</name><source><device path='/dev/sdb'/><device path='/dev/sdc'/><name>vmvg</name></source><target><path>/dev/vmvg</path></target></pool>");

    [SkippableFact]
    public async Task Logical_start_on_this_kernel_names_the_missing_device_mapper()
    {
        HostLimit.KernelHasDeviceMapper.SkipIf(new KernelFeatures().DeviceMapper, "this kernel has device-mapper");
        var b = new LogicalPoolBackend(new RecordingRunner(), new KernelFeatures(), NullLogger.Instance);
        var e = await Assert.ThrowsAsync<VireoException>(() => b.StartAsync(Lvm, default));
        Assert.Contains("the kernel has no device-mapper (dm_mod)", e.Message);
        Assert.Contains("'vmvg'", e.Message);
    }

    [Fact]
    public async Task Logical_runs_the_lvm_commands_libvirt_runs()
    {
        using var k = new FakeKernel().With("/sys/module/dm_mod");
        var run = new RecordingRunner(argv => argv[0] switch
        {
            "vgs" => new ProcessResult(0, "  1073741824,536870912\n", ""),
            "lvs" => new ProcessResult(0, "  data,268435456,/dev/vmvg/data\n  logs,268435456,/dev/vmvg/logs\n", ""),
            _ => new ProcessResult(0, "", ""),
        });
        var b = new LogicalPoolBackend(run, new KernelFeatures(k.Root), NullLogger.Instance);
        await b.BuildAsync(Lvm, BuildMode.Default, default);
        await b.StartAsync(Lvm, default);
        var (sizes, vols) = await b.RefreshAsync(Lvm, default);
        Assert.Equal(new PoolSizes(1073741824, 536870912, 536870912), sizes);
        Assert.Equal(["data", "logs"], vols.Select(v => v.Name));
        Assert.Equal("/dev/vmvg/data", vols[0].Path);
        var vol = StorageVolumeDefinition.Parse("<volume><name>web</name><capacity unit='M'>100</capacity></volume>");
        var made = await b.CreateVolumeAsync(Lvm, new VolumeSpec(vol), null, default);
        Assert.Equal("/dev/vmvg/web", made.Path);
        await b.DeleteVolumeAsync(Lvm, made, default);
        await b.StopAsync(Lvm, default);
        Assert.Equal([
            "pvcreate /dev/sdb", "pvcreate /dev/sdc", "vgcreate vmvg /dev/sdb /dev/sdc", "vgchange -aay vmvg",
            "vgs --noheadings --units b --nosuffix --separator , -o vg_size,vg_free vmvg",
            "lvs --noheadings --units b --nosuffix --separator , -o lv_name,lv_size,lv_path vmvg",
            "lvcreate --yes --name web -L 102400K vmvg", "lvremove -f vmvg/web", "vgchange -aln vmvg"], run.Commands);
    }

    [Fact]
    public async Task Logical_finds_volume_groups_as_sources()
    {
        var run = new RecordingRunner(_ => new ProcessResult(0, "  /dev/sdb,vmvg\n  /dev/sdc,vmvg\n  /dev/sdd,\n", ""));
        var xml = await new LogicalPoolBackend(run, new KernelFeatures(), NullLogger.Instance).FindSourcesAsync(null, null, null, default);
        var src = System.Xml.Linq.XElement.Parse(xml).Elements("source").Single();
        Assert.Equal("vmvg", src.Element("name")!.Value);
        Assert.Equal(["/dev/sdb", "/dev/sdc"], src.Elements("device").Select(d => d.Attribute("path")!.Value));
    }

    private static readonly StoragePoolDefinition Zpool = Pool(
        "<pool type='zfs'><name>tank</name><source><name>tank</name><device path='/dev/sdd'/></source></pool>");

    [SkippableFact]
    public async Task Zfs_start_on_this_kernel_names_the_missing_module()
    {
        HostLimit.KernelHasZfs.SkipIf(new KernelFeatures().Zfs, "this kernel has zfs");
        var e = await Assert.ThrowsAsync<VireoException>(() => new ZfsPoolBackend(new RecordingRunner(), new KernelFeatures(), NullLogger.Instance).StartAsync(Zpool, default));
        Assert.Contains("the kernel has no ZFS module", e.Message);
    }

    [Fact]
    public async Task Zfs_runs_zpool_and_zfs()
    {
        using var k = new FakeKernel().With("/dev/zfs", directory: false);
        var run = new RecordingRunner(argv => (argv[0], argv[1]) switch
        {
            ("zpool", "list") => new ProcessResult(1, "", "cannot open 'tank': no such pool"),
            ("zpool", "get") => new ProcessResult(0, "10737418240\n1073741824\n9663676416\n", ""),
            ("zfs", "list") => new ProcessResult(0, "tank/vm1\t4294967296\t65536\n", ""),
            _ => new ProcessResult(0, "", ""),
        });
        var b = new ZfsPoolBackend(run, new KernelFeatures(k.Root), NullLogger.Instance);
        await b.BuildAsync(Zpool, BuildMode.Overwrite, default);
        await b.StartAsync(Zpool, default);
        var (sizes, vols) = await b.RefreshAsync(Zpool, default);
        Assert.Equal(10737418240, sizes.Capacity);
        Assert.Equal(("vm1", "/dev/zvol/tank/vm1", 4294967296L), (vols[0].Name, vols[0].Path, vols[0].Capacity));
        var vol = StorageVolumeDefinition.Parse("<volume><name>vm2</name><capacity>1048576</capacity><allocation>0</allocation></volume>");
        await b.CreateVolumeAsync(Zpool, new VolumeSpec(vol), null, default);
        Assert.Contains("zpool create -f tank /dev/sdd", run.Commands);
        Assert.Contains("zpool import tank", run.Commands);
        Assert.Contains("zfs create -s -V 1048576 tank/vm2", run.Commands);
    }

    private static readonly StoragePoolDefinition Iscsi = Pool("""
        <pool type='iscsi'><name>san</name>
          <source><host name='127.0.0.1' port='3260'/><device path='iqn.2024-01.org.example:disk1'/>
            <auth type='chap' username='kvm'><secret usage='san-chap'/></auth></source>
          <target><path>/dev/disk/by-path</path></target></pool>
        """);

    [SkippableFact]
    public async Task Iscsi_start_on_this_kernel_names_the_missing_initiator()
    {
        HostLimit.KernelHasIscsiTcp.SkipIf(new KernelFeatures().IscsiInitiator, "this kernel has iscsi_tcp");
        var b = new IscsiPoolBackend(new RecordingRunner(), new KernelFeatures(), new FixedSecrets("x"), NullLogger.Instance);
        var e = await Assert.ThrowsAsync<VireoException>(() => b.StartAsync(Iscsi, default));
        Assert.Contains("the kernel has no iSCSI initiator (iscsi_tcp)", e.Message);
    }

    [Fact]
    public async Task Iscsi_discovers_writes_chap_to_the_node_record_and_logs_in_without_the_password_in_argv()
    {
        using var k = new FakeKernel().With("/sys/module/iscsi_tcp");
        var nodes = Path.Combine(k.Root, "nodes");
        var record = Path.Combine(nodes, "iqn.2024-01.org.example:disk1", "127.0.0.1,3260,1", "default");
        var run = new RecordingRunner(argv =>
        {
            if (argv.Contains("discovery"))
            {
                // What iscsiadm does on discovery: one node record per portal.
                Directory.CreateDirectory(Path.GetDirectoryName(record)!);
                File.WriteAllText(record, "node.name = iqn.2024-01.org.example:disk1\nnode.session.auth.authmethod = None\n");
                return new ProcessResult(0, "127.0.0.1:3260,1 iqn.2024-01.org.example:disk1\n", "");
            }
            return new ProcessResult(0, "", "");
        });
        var b = new IscsiPoolBackend(run, new KernelFeatures(k.Root), new FixedSecrets("s3cret-chap"), NullLogger.Instance, nodes);
        await b.StartAsync(Iscsi, default);
        Assert.Equal([
            "iscsiadm --mode discovery --type sendtargets --portal 127.0.0.1:3260",
            "iscsiadm --mode node --targetname iqn.2024-01.org.example:disk1 --portal 127.0.0.1:3260 --login"], run.Commands);
        var text = File.ReadAllText(record);
        Assert.Contains("node.session.auth.authmethod = CHAP", text);
        Assert.Contains("node.session.auth.password = s3cret-chap", text);
        Assert.DoesNotContain("authmethod = None", text);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record));
        Assert.DoesNotContain(run.Commands, c => c.Contains("s3cret"));
        Assert.Equal(["iqn.2024-01.org.example:disk1"], await b.FindTargetsAsync("127.0.0.1", 3260, default));
    }

    [Fact]
    public async Task Iscsi_discovery_as_another_initiator_goes_through_an_interface_record()
    {
        using var k = new FakeKernel().With("/sys/module/iscsi_tcp");
        var run = new RecordingRunner(argv =>
            argv.Contains("discovery") ? new ProcessResult(0, "10.0.0.9:3260,1 iqn.2024-01.org.example:a\n", "")
            : argv is [_, "--mode", "iface", "--interface", _] ? new ProcessResult(21, "", "iscsiadm: Could not read iface info") // not there yet
            : new ProcessResult(0, "", ""));
        var b = new IscsiPoolBackend(run, new KernelFeatures(k.Root), new FixedSecrets("x"), NullLogger.Instance);
        var xml = await b.FindSourcesAsync("10.0.0.9", null, "iqn.2024-01.org.vireo:probe", default);
        Assert.Contains("<device path='iqn.2024-01.org.example:a'/>", xml);
        var iface = run.Commands.First().Split(' ').Last();
        Assert.Matches("^vireo-iface-[0-9a-f]{8}$", iface);
        Assert.Equal([
            $"iscsiadm --mode iface --interface {iface}",
            $"iscsiadm --mode iface --interface {iface} --op new",
            $"iscsiadm --mode iface --interface {iface} --op update --name iface.initiatorname --value iqn.2024-01.org.vireo:probe",
            $"iscsiadm --mode discovery --type sendtargets --portal 10.0.0.9:3260 --interface {iface}"], run.Commands);
        var logical = new Vireo.Storage.Logical.LogicalPoolBackend(new RecordingRunner(), new KernelFeatures(), NullLogger.Instance);
        Assert.Contains("--initiator applies to iscsi", (await Assert.ThrowsAsync<VireoException>(() => logical.FindSourcesAsync(null, null, "iqn.x", default))).Message);
    }
}
