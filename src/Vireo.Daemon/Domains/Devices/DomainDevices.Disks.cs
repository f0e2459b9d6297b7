using System.Text.Json.Nodes;
using Vireo.Core.Domain;
using Vireo.Core.Domain.Edits;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Daemon.Domains.Nics;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Devices;

/// <summary>Disks: blockdev-add + device_add to plug; device_del, DEVICE_DELETED, blockdev-del to unplug; eject and insert for media.</summary>
public sealed partial class DomainDevices
{
    private async Task HotplugDiskAsync(DomainEntry e, DomainDefinition newLive, DiskDef disk)
    {
        var qmp = e.Instance!.Qmp;
        var qpaths = paths.Qemu(e.Name);
        var resolved = disks.ForQemu(newLive).Disks.First(d => d.TargetDev == disk.TargetDev);
        var secret = resolved.Auth is null ? null : disks.SecretFor(resolved, QemuSecret.EnsureMasterKey(qpaths.MasterKey));
        var blockdevs = QemuArgv.DiskBlockdevs(resolved, secret);
        // A failed attach leaves QEMU as it was: the nodes already added go, newest first.
        var undo = new Rollback(line => log.Write(e.Name, line));
        try
        {
            if (secret is not null)
            {
                // QEMU started without secrets has no master key object yet.
                try { await qmp.ExecuteAsync("object-add", new JsonObject { ["qom-type"] = "secret", ["id"] = QemuSecret.MasterKeyId, ["format"] = "raw", ["file"] = qpaths.MasterKey }); }
                catch (QmpErrorException) { /* already there */ }
                await qmp.SecretAddAsync(secret);
                undo.Add($"secret {secret.Id}", () => qmp.ObjectDelAsync(secret.Id));
            }
            foreach (var b in blockdevs)
            {
                await qmp.BlockdevAddAsync(b);
                var node = (string)JsonNode.Parse(b)!["node-name"]!;
                undo.Add($"block node {node}", () => qmp.BlockdevDelAsync(node));
            }
            var spec = QemuArgv.DiskDeviceSpec(newLive, resolved, blockdevs.Count > 0);
            // On q35 a virtio disk goes behind a free root port (pcie.0 takes no hotplug).
            if (spec.StartsWith("virtio-blk-pci") && !spec.Contains(",bus=") && QemuArgv.IsQ35(newLive))
                spec += ",bus=" + await GuestNics.FreeHotplugPortAsync(e.Name, qmp);
            await qmp.DeviceAddAsync(spec);
            undo.Commit();
        }
        catch (Exception ex) when (ex is QmpErrorException or VireoException)
        {
            await undo.DisposeAsync();
            throw new VireoException(ErrorCode.OperationFailed, $"attaching disk '{disk.TargetDev}' to domain '{e.Name}' failed: {ex.Message}");
        }
        log.Write(e.Name, $"disk {disk.TargetDev} attached");
    }

    /// <summary>detach-disk: by target (vdb) or source path. detach-device passes the disk XML and uses its target.</summary>
    public async Task DetachDiskAsync(string key, string targetOrSource, DeviceScope scope)
    {
        await using var op = await DomainOperation.BeginAsync(registry.Lookup(key));
        var e = op.Entry;
        var (live, config) = DeviceScopes.Resolve(scope, e.Name, e.IsActive, e.Persistent is not null);
        var liveDisk = live ? DomainEdits.FindDisk(e.Live!, targetOrSource, e.Name) : null;
        var configDisk = config ? DomainEdits.FindDisk(e.Persistent!, targetOrSource, e.Name) : null;
        if (liveDisk is not null)
        {
            await UnplugDiskAsync(e, liveDisk);
            lock (e) e.Live = DomainEdits.WithoutDisk(e.Live!, liveDisk.TargetDev!);
            runner.SaveStatus(e);
        }
        if (configDisk is not null) registry.SavePersistent(e, DomainEdits.WithoutDisk(e.Persistent!, configDisk.TargetDev!));
        events.Publish(e.Current, "DeviceRemoved", (liveDisk ?? configDisk)!.TargetDev ?? "");
    }

    private async Task UnplugDiskAsync(DomainEntry e, DiskDef disk)
    {
        var qmp = e.Instance!.Qmp;
        var id = QemuArgv.DiskDeviceId(disk);
        await UnplugAsync(e, id, $"disk '{disk.TargetDev}'", () => qmp.DeviceDelAsync(id));
        var node = QemuArgv.DiskNode(disk);
        foreach (var n in new[] { node + "-format", node + "-storage" })
            try { await qmp.BlockdevDelAsync(n); } catch (QmpErrorException) { /* an empty cdrom has no nodes */ }
        if (disk.Auth is not null)
            try { await qmp.ObjectDelAsync(QemuSecret.IdFor(disk.TargetDev!)); } catch (QmpErrorException) { }
        log.Write(e.Name, $"disk {disk.TargetDev} detached");
    }

    /// <summary>update-device for a cdrom or floppy: the medium changes (or is ejected), the device stays.</summary>
    public async Task UpdateDeviceAsync(string key, string xml, DeviceScope scope)
    {
        var device = DomainEdits.ParseDevice(xml);
        var target = device.Element("target")?.Attribute("dev")?.Value
            ?? throw new VireoException(ErrorCode.XmlValidation, "the <disk> to update needs a <target dev='...'/>");
        await using var op = await DomainOperation.BeginAsync(registry.Lookup(key));
        var e = op.Entry;
        var (live, config) = DeviceScopes.Resolve(scope, e.Name, e.IsActive, e.Persistent is not null);
        var newLive = live ? DomainEdits.WithDiskReplaced(e.Live!, target, device, e.Name) : null;
        var newConfig = config ? DomainEdits.WithDiskReplaced(e.Persistent!, target, device, e.Name) : null;
        pathCheck.CheckDevice(newLive is not null ? disks.ForQemu(newLive) : newConfig!, device);
        if (newLive is not null)
        {
            await ChangeMediumAsync(e, DomainEdits.FindDisk(e.Live!, target, e.Name), disks.ForQemu(newLive).Disks.First(d => d.TargetDev == target));
            lock (e) e.Live = newLive;
            runner.SaveStatus(e);
        }
        if (newConfig is not null) registry.SavePersistent(e, newConfig);
    }

    private static async Task ChangeMediumAsync(DomainEntry e, DiskDef old, DiskDef updated)
    {
        var qmp = e.Instance!.Qmp;
        var id = QemuArgv.DiskDeviceId(old);
        var node = QemuArgv.DiskNode(old);
        await qmp.EjectAsync(id);
        foreach (var n in new[] { node + "-format", node + "-storage" })
            try { await qmp.BlockdevDelAsync(n); } catch (QmpErrorException) { }
        var blockdevs = QemuArgv.DiskBlockdevs(updated);
        if (blockdevs.Count == 0) return; // ejected, tray left empty
        foreach (var b in blockdevs) await qmp.BlockdevAddAsync(b);
        await qmp.InsertMediumAsync(id, node + "-format");
    }
}
