using System.Diagnostics;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Hotplug;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Tests.Hotplug;

/// <summary>
/// Unplugs against a stand-in QEMU (a process of our own with a scripted monitor): device_del, then nothing until
/// the guest's DEVICE_DELETED arrives through the instance, then what the device used.
/// </summary>
public sealed class UnplugTests : IAsyncDisposable
{
    private readonly Process _process = Process.Start("sleep", "600");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private Task<QemuInstance> AttachAsync(ScriptedQmp qemu) =>
        QemuInstance.AttachAsync(_process.Id, qemu.Path, new QmpOptions { CommandTimeout = TimeSpan.FromSeconds(30) }, TimeSpan.FromSeconds(10));

    private static DiskDef NetworkDisk() => DomainDefinition.Parse("""
        <domain type='qemu'>
          <name>web1</name>
          <memory unit='MiB'>64</memory>
          <devices>
            <disk type='network' device='disk'>
              <auth username='admin'><secret type='ceph' usage='client.admin'/></auth>
              <source protocol='rbd' name='pool/image'><host name='10.0.0.1'/></source>
              <target dev='vdb' bus='virtio'/>
            </disk>
          </devices>
        </domain>
        """).Disks[0];

    [Fact]
    public async Task A_disk_goes_once_the_guest_releases_it_then_its_nodes_and_secret()
    {
        await using var qemu = new ScriptedQmp();
        await using var instance = await AttachAsync(qemu);
        await DiskHotplug.UnplugAsync(instance, NetworkDisk(), TimeSpan.FromSeconds(30));
        Assert.Equal(
        [
            """device_del {"id":"virtio-disk1"}""",
            """blockdev-del {"node-name":"vireo-vdb-format"}""",
            """blockdev-del {"node-name":"vireo-vdb-storage"}""",
            """object-del {"id":"vireo-vdb-secret0"}""",
        ], qemu.Commands);
    }

    [Fact]
    public async Task A_disk_the_guest_keeps_fails_after_the_timeout_and_keeps_its_nodes()
    {
        await using var qemu = new ScriptedQmp { ReleasesDevices = false };
        await using var instance = await AttachAsync(qemu);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<VireoException>(() => DiskHotplug.UnplugAsync(instance, NetworkDisk(), TimeSpan.FromMilliseconds(300)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"gave up after {clock.Elapsed}");
        Assert.Equal(ErrorCode.OperationTimeout, e.Code);
        Assert.Equal("the guest did not release disk 'vdb' within 0.3 s (does it handle ACPI hot-unplug? <features><acpi/> is needed)", e.Message);
        Assert.Equal(["""device_del {"id":"virtio-disk1"}"""], qemu.Commands);
    }

    [Fact]
    public async Task A_refused_device_del_removes_nothing_else()
    {
        await using var qemu = new ScriptedQmp { Refuse = [0] };
        await using var instance = await AttachAsync(qemu);
        await Assert.ThrowsAsync<QmpErrorException>(() => DiskHotplug.UnplugAsync(instance, NetworkDisk(), TimeSpan.FromSeconds(30)));
        Assert.Equal(["""device_del {"id":"virtio-disk1"}"""], qemu.Commands);
    }

    [Fact]
    public async Task A_qemu_that_exits_during_the_wait_fails_the_unplug_at_once()
    {
        await using var qemu = new ScriptedQmp { ReleasesDevices = false };
        await using var instance = await AttachAsync(qemu);
        var unplug = NicHotplug.UnplugAsync(instance, "net1", "interface 52:54:00:00:00:02", TimeSpan.FromMinutes(10));
        await qemu.Sent("device_del");
        _process.Kill();
        var e = await Assert.ThrowsAsync<VireoException>(() => unplug.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"QEMU (pid {_process.Id}) exited while interface 52:54:00:00:00:02 was being unplugged", e.Message);
    }

    [Fact]
    public async Task A_nic_goes_once_released_then_its_netdev()
    {
        await using var qemu = new ScriptedQmp();
        await using var instance = await AttachAsync(qemu);
        await NicHotplug.UnplugAsync(instance, "net1", "interface 52:54:00:00:00:02", TimeSpan.FromSeconds(30));
        Assert.Equal(["""device_del {"id":"net1"}""", """netdev_del {"id":"hostnet1"}"""], qemu.Commands);
    }
}
