using Vireo.Core.Domain;
using Vireo.Core.Domain.Edits;
using Vireo.Core.Errors;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Hotplug;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Devices;

/// <summary>Disks attached, detached and their media changed; the QMP sequences, with their undo, are the driver's (<see cref="DiskHotplug"/>).</summary>
public sealed partial class DomainDevices
{
    private async Task HotplugDiskAsync(DomainEntry e, DomainDefinition newLive, DiskDef disk)
    {
        var qpaths = paths.Qemu(e.Name);
        var resolved = disks.ForQemu(newLive).Disks.First(d => d.TargetDev == disk.TargetDev);
        var secret = resolved.Auth is null ? null : disks.SecretFor(resolved, QemuSecret.EnsureMasterKey(qpaths.MasterKey));
        try
        {
            // A failed attach leaves QEMU as it was: the driver undoes the steps already taken, newest first.
            await DiskHotplug.PlugAsync(e.Instance!.Qmp, newLive, resolved, secret, qpaths.MasterKey, line => log.Write(e.Name, line));
        }
        catch (Exception ex) when (ex is QmpException or VireoException)
        {
            throw new VireoException(ex is QmpTimeoutException ? ErrorCode.OperationTimeout : ErrorCode.OperationFailed,
                $"attaching disk '{disk.TargetDev}' to domain '{e.Name}' failed: {ex.Message}");
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
        await DiskHotplug.UnplugAsync(e.Instance!, disk, timeouts.Unplug);
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
            await DiskHotplug.ChangeMediumAsync(e.Instance!.Qmp, DomainEdits.FindDisk(e.Live!, target, e.Name),
                disks.ForQemu(newLive).Disks.First(d => d.TargetDev == target), line => log.Write(e.Name, line));
            lock (e) e.Live = newLive;
            runner.SaveStatus(e);
        }
        if (newConfig is not null) registry.SavePersistent(e, newConfig);
    }
}
