using Microsoft.Win32.SafeHandles;
using Vireo.Core.Domain;
using Vireo.Qemu.Hotplug;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Tests.Hotplug;

/// <summary>
/// The QMP half of a NIC plug: descriptors, netdev, device, in order; for a refusal at each step exactly what is
/// undone. Descriptors QEMU still holds are closed; once netdev_add took them, the netdev goes instead.
/// </summary>
public sealed class NicHotplugTests : IDisposable
{
    private readonly List<SafeFileHandle> _fds = [File.OpenHandle("/dev/null"), File.OpenHandle("/dev/null")];

    public void Dispose()
    {
        foreach (var fd in _fds) fd.Dispose();
    }

    private static DomainDefinition Guest(string model = "virtio") => DomainDefinition.Parse($"""
        <domain type='qemu'>
          <name>web1</name>
          <memory unit='MiB'>64</memory>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <devices>
            <interface type='bridge'>
              <mac address='52:54:00:00:00:01'/><source bridge='br0'/><model type='{model}'/><alias name='net0'/>
            </interface>
          </devices>
        </domain>
        """);

    private static readonly string[] TwoQueues =
    [
        """getfd {"fdname":"tapfd-net0-0"}""",
        """getfd {"fdname":"tapfd-net0-1"}""",
        """netdev_add {"type":"tap","id":"hostnet0","fds":"tapfd-net0-0:tapfd-net0-1","vhost":true}""",
        """device_add {"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:01","bus":"vireo-port2","mq":"on","vectors":"6"}""",
    ];

    private async Task<(ScriptedQmp Qemu, Exception? Error)> PlugTwoQueuesAsync(params int[] refuse)
    {
        var qemu = new ScriptedQmp { Refuse = refuse };
        await using var qmp = await qemu.ConnectAsync();
        var live = Guest();
        var error = await Record.ExceptionAsync(() =>
            NicHotplug.PlugTapAsync(qmp, live, live.Interfaces[0], "net0", _fds, "vireo-port2", _ => { }, vhostNet: true));
        return (qemu, error);
    }

    [Fact]
    public async Task A_multiqueue_tap_hands_over_each_queue_then_adds_netdev_and_device()
    {
        var (qemu, error) = await PlugTwoQueuesAsync();
        await using var _ = qemu;
        Assert.Null(error);
        Assert.Equal(TwoQueues, qemu.Commands);
    }

    public static TheoryData<int, string[]> Refusals() => new()
    {
        { 0, [] },
        { 1, ["""closefd {"fdname":"tapfd-net0-0"}"""] },
        { 2, ["""closefd {"fdname":"tapfd-net0-1"}""", """closefd {"fdname":"tapfd-net0-0"}"""] },
        { 3, ["""netdev_del {"id":"hostnet0"}"""] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_step_undoes_exactly_the_steps_before_it(int failAt, string[] undone)
    {
        var (qemu, error) = await PlugTwoQueuesAsync(failAt);
        await using var _ = qemu;
        Assert.Equal(TwoQueues[failAt].Split(' ')[0], Assert.IsType<QmpErrorException>(error).Command);
        Assert.Equal([.. TwoQueues[..(failAt + 1)], .. undone], qemu.Commands);
    }

    [Fact]
    public async Task One_queue_is_fd_and_a_non_virtio_model_gets_no_vhost()
    {
        await using var qemu = new ScriptedQmp();
        await using var qmp = await qemu.ConnectAsync();
        var live = Guest("e1000");
        await NicHotplug.PlugTapAsync(qmp, live, live.Interfaces[0], "net0", _fds[..1], null, _ => { }, vhostNet: true);
        Assert.Equal(
        [
            """getfd {"fdname":"tapfd-net0-0"}""",
            """netdev_add {"type":"tap","id":"hostnet0","fd":"tapfd-net0-0","vhost":false}""",
            """device_add {"driver":"e1000","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:01"}""",
        ], qemu.Commands);
    }

    [Theory]
    [InlineData(0, new string[0])]
    [InlineData(1, new[] { """netdev_del {"id":"hostnet0"}""" })]
    public async Task A_user_mode_nic_is_netdev_and_device_and_a_refused_device_takes_its_netdev_along(int failAt, string[] undone)
    {
        await using var qemu = new ScriptedQmp { Refuse = [failAt] };
        await using var qmp = await qemu.ConnectAsync();
        var live = Guest();
        await Assert.ThrowsAsync<QmpErrorException>(() => NicHotplug.PlugUserAsync(qmp, live, live.Interfaces[0], "net0", "vireo-port2", _ => { }));
        string[] plug =
        [
            """netdev_add {"type":"user","id":"hostnet0"}""",
            """device_add {"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:01","bus":"vireo-port2"}""",
        ];
        Assert.Equal([.. plug[..(failAt + 1)], .. undone], qemu.Commands);
    }
}
