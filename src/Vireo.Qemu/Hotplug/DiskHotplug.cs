using Vireo.Core.Domain;
using Vireo.Core.Operations;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Hotplug;

/// <summary>
/// The QMP sequences of a disk under a running guest: plug (secret, block nodes, device) with each step undone,
/// newest first, when a later one fails; unplug (device_del, DEVICE_DELETED, the nodes, the secret); and the
/// medium change of a cdrom or floppy. Node names come from the target (<see cref="QemuArgv.DiskNode"/>).
/// </summary>
public static class DiskHotplug
{
    /// <summary>
    /// Plugs a disk: its secret (under the domain's master key, added first if this QEMU has none yet), its block
    /// nodes, then the device, on q35 behind a free root port. If a step fails, QEMU is left as it was (except for
    /// the master key object, which stays for the QEMU's life as libvirt's does) and the step's error is thrown.
    /// </summary>
    /// <param name="disk">The disk as QEMU opens it (pool volumes resolved).</param>
    /// <param name="secret">The disk's secret, encrypted under the key in <paramref name="masterKeyFile"/>; null without auth.</param>
    /// <param name="log">Where an undo that fails is reported.</param>
    public static async Task PlugAsync(QmpClient qmp, DomainDefinition live, DiskDef disk, QemuSecret? secret, string masterKeyFile,
        Action<string> log, CancellationToken ct = default)
    {
        var blockdevs = QemuArgv.DiskBlockdevs(disk, secret).Select(QmpBlockdev.FromJson).ToList();
        var device = QmpDevice.FromSpec(QemuArgv.DiskDeviceSpec(live, disk, blockdevs.Count > 0));
        // Chosen before anything changes: without a free port there is nothing to undo.
        var pci = (disk.TargetBus ?? DiskBus.Guess(disk.TargetDev!)) is "virtio" or "nvme";
        if (HotplugPorts.NeedsPort(live, device, pci)) device = device.OnBus(await HotplugPorts.FreeAsync(qmp, live.Name, ct));
        await using var undo = new Rollback(log);
        if (secret is not null)
        {
            await EnsureMasterKeyAsync(qmp, masterKeyFile, ct);
            await qmp.ObjectAddAsync(QmpSecretObject.Encrypted(secret), ct);
            undo.Add($"secret {secret.Id}", () => qmp.ObjectDelAsync(secret.Id));
        }
        foreach (var b in blockdevs)
        {
            await qmp.BlockdevAddAsync(b, ct: ct);
            undo.Add($"block node {b.NodeName}", () => qmp.BlockdevDelAsync(b.NodeName));
        }
        await qmp.DeviceAddAsync(device, ct);
        undo.Commit();
    }

    /// <summary>A QEMU started without secrets has no master key object; one hot-plugged disk with auth adds it.</summary>
    private static async Task EnsureMasterKeyAsync(QmpClient qmp, string masterKeyFile, CancellationToken ct)
    {
        if ((await qmp.QomListAsync("/objects", ct)).Any(o => o.Name == QemuSecret.MasterKeyId)) return;
        await qmp.ObjectAddAsync(QmpSecretObject.MasterKey(masterKeyFile), ct);
    }

    /// <summary>
    /// Unplugs a disk: device_del, the guest's release (DEVICE_DELETED within <paramref name="timeout"/>), then its
    /// nodes (an empty cdrom has none) and its secret. A device the guest does not release stays, with its nodes.
    /// </summary>
    public static async Task UnplugAsync(QemuInstance qemu, DiskDef disk, TimeSpan timeout, CancellationToken ct = default)
    {
        await DeviceUnplug.RunAsync(qemu, QemuArgv.DiskDeviceId(disk), $"disk '{disk.TargetDev}'", timeout, ct);
        await DeleteNodesAsync(qemu.Qmp, disk, ct);
        if (disk.Auth is not null) await IgnoringRefusalAsync(() => qemu.Qmp.ObjectDelAsync(QemuSecret.IdFor(disk.TargetDev!), ct));
    }

    /// <summary>
    /// A new medium for a cdrom or floppy (or none: <paramref name="updated"/> without a source ejects it): the tray
    /// is opened and emptied, the old nodes go, the new ones are added and inserted, the tray is closed. If adding
    /// or inserting fails, the new nodes go again and the drive is left empty.
    /// </summary>
    public static async Task ChangeMediumAsync(QmpClient qmp, DiskDef old, DiskDef updated, Action<string> log, CancellationToken ct = default)
    {
        var id = QemuArgv.DiskDeviceId(old);
        await qmp.BlockdevOpenTrayAsync(id, force: true, ct);
        await qmp.BlockdevRemoveMediumAsync(id, ct);
        await DeleteNodesAsync(qmp, old, ct);
        var blockdevs = QemuArgv.DiskBlockdevs(updated).Select(QmpBlockdev.FromJson).ToList();
        if (blockdevs.Count == 0) return; // ejected: the tray stays open and empty
        await using var undo = new Rollback(log);
        foreach (var b in blockdevs)
        {
            await qmp.BlockdevAddAsync(b, ct: ct);
            undo.Add($"block node {b.NodeName}", () => qmp.BlockdevDelAsync(b.NodeName));
        }
        // The format node is the top of the pair, the one the device reads.
        await qmp.BlockdevInsertMediumAsync(id, blockdevs[^1].NodeName, ct);
        undo.Commit();
        await qmp.BlockdevCloseTrayAsync(id, ct);
    }

    /// <summary>The format node, then the storage node under it; a disk without a medium has neither.</summary>
    private static async Task DeleteNodesAsync(QmpClient qmp, DiskDef disk, CancellationToken ct)
    {
        var node = QemuArgv.DiskNode(disk);
        foreach (var n in new[] { node + "-format", node + "-storage" })
            await IgnoringRefusalAsync(() => qmp.BlockdevDelAsync(n, ct));
    }

    private static async Task IgnoringRefusalAsync(Func<Task> command)
    {
        try { await command(); }
        catch (QmpErrorException) { /* not there: nothing to remove */ }
    }
}
