using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;
using Vireo.Core.Domain;
using Vireo.Core.Operations;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Hotplug;

/// <summary>
/// The QMP half of a NIC: vireod makes the host side (a tap or macvtap) and hands QEMU its descriptors; here
/// they become a netdev and a device, each step undone, newest first, if a later one fails. QEMU's ids come
/// from the NIC's alias (net0 -> netdev hostnet0, device net0), so unplugging one NIC never shifts another's.
/// </summary>
public static class NicHotplug
{
    public static string NetdevId(string alias) => "host" + alias;

    /// <summary>The getfd name of one queue's descriptor (as domxml-to-native shows it).</summary>
    public static string FdName(string alias, int queue) => $"tapfd-{alias}-{queue}";

    /// <summary>
    /// Each queue's descriptor handed over (getfd), the tap netdev on them, then the device. Until netdev_add takes
    /// them, a failure closes the descriptors QEMU holds (closefd), so the tap is not kept open by QEMU.
    /// </summary>
    /// <param name="queues">The tap's (or macvtap's) descriptors, one per queue; the caller still owns and closes them.</param>
    /// <param name="bus">The q35 root port the NIC goes behind, or null (i440fx, or an address of its own).</param>
    /// <param name="vhostNet">Whether the kernel's vhost-net carries a virtio NIC's traffic; by default, when /dev/vhost-net exists.</param>
    public static async Task PlugTapAsync(QmpClient qmp, DomainDefinition live, InterfaceDef nic, string alias, IReadOnlyList<SafeFileHandle> queues,
        string? bus, Action<string> log, bool? vhostNet = null, CancellationToken ct = default)
    {
        var virtio = (nic.Model ?? "virtio") == "virtio";
        var device = DeviceFor(live, nic, alias, bus);
        if (queues.Count > 1)
            device = device with { Properties = [.. device.Properties, new("mq", JsonValue.Create("on")), new("vectors", JsonValue.Create($"{2 * queues.Count + 2}"))] };
        await using var undo = new Rollback(log);
        var taken = false;
        var names = new List<string>();
        for (var i = 0; i < queues.Count; i++)
        {
            var name = FdName(alias, i);
            await qmp.GetFdAsync(name, queues[i], ct);
            names.Add(name);
            undo.Add($"descriptor {name}", () => taken ? Task.CompletedTask : CloseFdAsync(qmp, name));
        }
        var netdev = new QmpTapNetdev(NetdevId(alias), names, Vhost: virtio && (vhostNet ?? File.Exists("/dev/vhost-net")));
        await qmp.NetdevAddAsync(netdev, ct);
        taken = true;
        undo.Add($"netdev {netdev.Id}", () => qmp.NetdevDelAsync(netdev.Id));
        await qmp.DeviceAddAsync(device, ct);
        undo.Commit();
    }

    /// <summary>A user-mode (slirp) NIC: netdev and device, the netdev deleted again if the device fails.</summary>
    public static async Task PlugUserAsync(QmpClient qmp, DomainDefinition live, InterfaceDef nic, string alias, string? bus, Action<string> log,
        CancellationToken ct = default)
    {
        await using var undo = new Rollback(log);
        var netdev = new QmpUserNetdev(NetdevId(alias));
        await qmp.NetdevAddAsync(netdev, ct);
        undo.Add($"netdev {netdev.Id}", () => qmp.NetdevDelAsync(netdev.Id));
        await qmp.DeviceAddAsync(DeviceFor(live, nic, alias, bus), ct);
        undo.Commit();
    }

    /// <summary>
    /// Unplugs a NIC: device_del, the guest's release (DEVICE_DELETED within <paramref name="timeout"/>), then its
    /// netdev. What the host side holds is the caller's to release afterwards.
    /// </summary>
    /// <param name="what">The NIC as the user knows it ("interface 52:54:00:..."), for the error.</param>
    public static async Task UnplugAsync(QemuInstance qemu, string alias, string what, TimeSpan timeout, CancellationToken ct = default)
    {
        await DeviceUnplug.RunAsync(qemu, alias, what, timeout, ct);
        try { await qemu.Qmp.NetdevDelAsync(NetdevId(alias), ct); }
        catch (QmpErrorException) { /* it has no netdev of that name: nothing to remove */ }
    }

    private static QmpDevice DeviceFor(DomainDefinition live, InterfaceDef nic, string alias, string? bus) =>
        QmpDevice.FromSpec(QemuArgv.NicDeviceSpec(live, nic, NetdevId(alias), alias, bus));

    private static async Task CloseFdAsync(QmpClient qmp, string name)
    {
        try { await qmp.CloseFdAsync(name); }
        catch (QmpErrorException) { /* a failed netdev_add may have taken (and closed) it */ }
    }
}
