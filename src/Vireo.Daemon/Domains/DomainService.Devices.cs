using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;
using Vireo.Qemu.Argv;

namespace Vireo.Daemon.Domains;

/// <summary>Where a device change applies: the running guest, the persistent definition, or both.</summary>
[Flags]
public enum DeviceScope { Current = 0, Live = 1, Config = 2 }

/// <summary>
/// Disks attached, detached and changed on defined and running domains. Live changes go through QMP
/// (blockdev-add + device_add; device_del, then DEVICE_DELETED, then blockdev-del); config changes
/// rewrite the persistent definition. Each change is validated as a whole new definition first.
/// </summary>
public sealed partial class DomainService
{
    /// <summary>Resolves &lt;source pool= volume=&gt; to (path, format); set by the daemon from the storage service.</summary>
    public Func<string, string, Storage.VolumeSource> VolumeResolver { get; set; } =
        (pool, _) => throw new VireoException(ErrorCode.NoStoragePool, $"storage pool '{pool}' not found");

    /// <summary>The value of the secret a disk's &lt;auth&gt; names; set by the daemon from the secret service.</summary>
    public Func<DiskAuth, byte[]> SecretResolver { get; set; } =
        auth => throw new VireoException(ErrorCode.NoSecret, $"secret '{auth.SecretUuid?.ToString() ?? auth.SecretUsage}' not found");

    /// <summary>Each network disk's secret, encrypted under the domain's master key (created on first need).</summary>
    private Dictionary<string, QemuSecret> DiskSecrets(DomainDefinition def, QemuPaths qpaths)
    {
        var secrets = new Dictionary<string, QemuSecret>();
        var withAuth = def.Disks.Where(d => d.Auth is not null && d.TargetDev is not null).ToList();
        if (withAuth.Count == 0) return secrets;
        var key = QemuSecret.EnsureMasterKey(qpaths.MasterKey);
        foreach (var d in withAuth)
            secrets[d.TargetDev!] = QemuSecret.Encrypt(key, QemuSecret.IdFor(d.TargetDev!), QemuSecretValue(d));
        return secrets;
    }

    /// <summary>The raw value, as libvirt passes it: QEMU base64-encodes a cephx key itself and uses a CHAP password as is.</summary>
    private byte[] QemuSecretValue(DiskDef d) => SecretResolver(d.Auth!);

    public static TimeSpan UnplugTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The definition QEMU is started from: volume disks become the files they name.</summary>
    private DomainDefinition ForQemu(DomainDefinition def)
    {
        if (!def.Disks.Any(d => d.Type == "volume")) return def;
        var copy = def.Clone();
        foreach (var disk in copy.Disks.Where(d => d.Type == "volume")) ResolveVolumeDisk(disk.Element);
        copy.Reload();
        return copy;
    }

    private void ResolveVolumeDisk(XElement disk)
    {
        var src = disk.Element("source")!;
        var (pool, volume) = (src.Attr("pool") ?? "", src.Attr("volume") ?? "");
        var v = VolumeResolver(pool, volume);
        disk.SetAttributeValue("type", v.DiskType);
        foreach (var a in new[] { "pool", "volume", "mode" }) src.SetAttributeValue(a, null);
        switch (v.DiskType)
        {
            case "network":
                src.SetAttributeValue("protocol", v.Protocol);
                src.SetAttributeValue("name", v.Name);
                foreach (var h in v.Hosts ?? [])
                    src.Add(new XElement("host", new XAttribute("name", h.Name), h.Port is { } port ? new XAttribute("port", port) : null));
                if (v.Auth is { } auth && disk.Element("auth") is null)
                {
                    // The pool's credentials, as libvirt hands them on to the disk.
                    var secret = new XElement("secret", new XAttribute("type", v.Protocol == "rbd" ? "ceph" : v.Protocol!));
                    if (auth.SecretUuid is { } u) secret.SetAttributeValue("uuid", u.ToString());
                    else secret.SetAttributeValue("usage", auth.SecretUsage);
                    src.AddBeforeSelf(new XElement("auth", new XAttribute("username", auth.Username), secret));
                }
                break;
            case "block":
                src.SetAttributeValue("dev", v.Path);
                break;
            default:
                src.SetAttributeValue("file", v.Path);
                break;
        }
        var driver = disk.Element("driver") ?? new XElement("driver", new XAttribute("name", "qemu"));
        if (driver.Parent is null) disk.AddFirst(driver);
        if (driver.Attr("type") is null) driver.SetAttributeValue("type", v.Format is "iso" or "none" ? "raw" : v.Format);
    }

    /// <summary>virsh's rules: no flag means live when running, else config; live needs a running domain, config a persistent one.</summary>
    private static (bool Live, bool Config) Scope(DomainEntry e, DeviceScope s)
    {
        var live = (s & DeviceScope.Live) != 0;
        var config = (s & DeviceScope.Config) != 0;
        if (!live && !config) { live = e.IsActive; config = !e.IsActive; }
        if (live && !e.IsActive) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
        if (config && e.Persistent is null) throw VireoException.Invalid($"Requested operation is not valid: cannot change persistent config of a transient domain '{e.Name}'");
        return (live, config);
    }

    private static XElement ParseDevice(string xml)
    {
        var el = SafeXml.Parse(xml, "device XML").Root!;
        if (el.Name.LocalName is not ("disk" or "interface"))
            throw new VireoException(ErrorCode.NotSupported, $"device <{el.Name.LocalName}> cannot be attached or detached yet: only <disk> and <interface> are supported");
        return el;
    }

    /// <summary>The definition with one more device, validated as a whole (duplicate targets, addresses, ...).</summary>
    private static DomainDefinition WithDevice(DomainDefinition def, XElement device)
    {
        var x = new XElement(def.Xml);
        var devices = x.Element("devices") ?? new XElement("devices");
        if (devices.Parent is null) x.Add(devices);
        var added = new XElement(device);
        if (added.Name.LocalName == "disk")
        {
            DomainDefaults.NameDiskBus(added); // the live XML names the bus it chose too, as libvirt's does
            InsertDisk(devices, added);
        }
        else devices.Add(added);
        return DomainDefinition.Parse(SafeXml.Format(x));
    }

    /// <summary>
    /// libvirt's virDomainDiskInsert: after the disks of its bus with a lower index, before the first one with a
    /// higher index (vdb lands between vda and vdc, ahead of an ide hdc); a disk on a bus of its own goes last.
    /// </summary>
    private static void InsertDisk(XElement devices, XElement disk)
    {
        var disks = devices.Elements("disk").ToList();
        var (bus, index) = (Bus(disk), DiskBus.Index(Target(disk)));
        var insertAt = -1;
        for (var i = disks.Count - 1; i >= 0; i--)
        {
            if (Bus(disks[i]) != bus) continue;
            if (DiskBus.Index(Target(disks[i])) > index) insertAt = i;
            else if (insertAt == -1) insertAt = i + 1;
        }
        if (insertAt >= 0 && insertAt < disks.Count) disks[insertAt].AddBeforeSelf(disk);
        else if (disks.Count > 0) disks[^1].AddAfterSelf(disk);
        else devices.Add(disk);
    }

    private static string Target(XElement disk) => disk.Element("target")?.Attribute("dev")?.Value ?? "";

    private static string Bus(XElement disk) => disk.Element("target")?.Attribute("bus")?.Value ?? DiskBus.Guess(Target(disk));

    private static DomainDefinition WithoutDisk(DomainDefinition def, string target)
    {
        var x = new XElement(def.Xml);
        x.Element("devices")!.Elements("disk").First(d => d.Element("target")?.Attr("dev") == target).Remove();
        return DomainDefinition.Parse(SafeXml.Format(x));
    }

    private static DiskDef FindDisk(DomainDefinition def, string targetOrSource, string domain) =>
        def.Disks.FirstOrDefault(d => d.TargetDev == targetOrSource)
        ?? def.Disks.FirstOrDefault(d => (d.Source?.File ?? d.Source?.Dev) == targetOrSource)
        ?? throw new VireoException(ErrorCode.OperationFailed, $"No disk found whose source path or target is {targetOrSource} (domain '{domain}')");

    public async Task AttachDeviceAsync(string key, string xml, DeviceScope scope)
    {
        var device = ParseDevice(xml);
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try
        {
            var (live, config) = Scope(e, scope);
            if (device.Name.LocalName == "interface" && device.Element("mac") is null)
            {
                // One MAC for both the live and the persistent NIC, as libvirt does.
                var b = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3);
                device.AddFirst(new XElement("mac", new XAttribute("address", $"52:54:00:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}")));
            }
            // Both new definitions are checked before anything changes.
            var newLive = live ? WithDevice(e.Live!, device) : null;
            var newConfig = config ? WithDevice(e.Persistent!, device) : null;
            CheckHostPaths(newLive ?? newConfig!, device, resolveVolumes: newLive is not null);
            if (newLive is not null)
            {
                if (device.Name.LocalName == "interface") await HotplugNicAsync(e, newLive, device.Element("mac")!.Attribute("address")!.Value);
                else
                {
                    var target = device.Element("target")?.Attr("dev")!;
                    await HotplugDiskAsync(e, newLive, newLive.Disks.First(d => d.TargetDev == target));
                }
                lock (e) e.Live = newLive;
                SaveStatus(e);
            }
            if (newConfig is not null) SavePersistent(e, newConfig);
            Publish(e, "DeviceAdded", device.Element("target")?.Attr("dev") ?? device.Element("mac")?.Attr("address") ?? "");
        }
        finally { e.OpLock.Release(); }
    }

    private void SavePersistent(DomainEntry e, DomainDefinition def)
    {
        DomainDefaults.Apply(def);
        store.SaveDefinition(def);
        lock (e) e.Persistent = def;
    }

    private async Task HotplugDiskAsync(DomainEntry e, DomainDefinition newLive, DiskDef disk)
    {
        var qmp = e.Instance!.Qmp;
        var resolved = ForQemu(newLive).Disks.First(d => d.TargetDev == disk.TargetDev);
        var secret = resolved.Auth is null ? null
            : QemuSecret.Encrypt(QemuSecret.EnsureMasterKey(paths.Qemu(e.Name).MasterKey), QemuSecret.IdFor(resolved.TargetDev!), QemuSecretValue(resolved));
        var blockdevs = QemuArgv.DiskBlockdevs(resolved, secret);
        var added = new List<string>();
        var secretAdded = false;
        try
        {
            // QEMU started without secrets has no master key object yet.
            if (secret is not null)
            {
                try { await qmp.ExecuteAsync("object-add", new System.Text.Json.Nodes.JsonObject { ["qom-type"] = "secret", ["id"] = QemuSecret.MasterKeyId, ["format"] = "raw", ["file"] = paths.Qemu(e.Name).MasterKey }); }
                catch (Qemu.Qmp.QmpErrorException) { /* already there */ }
                await qmp.SecretAddAsync(secret);
                secretAdded = true;
            }
            foreach (var b in blockdevs)
            {
                await qmp.BlockdevAddAsync(b);
                added.Add((string)System.Text.Json.Nodes.JsonNode.Parse(b)!["node-name"]!);
            }
            var spec = QemuArgv.DiskDeviceSpec(newLive, resolved, blockdevs.Count > 0);
            // On q35 a virtio disk goes behind a free root port (pcie.0 takes no hotplug).
            if (spec.StartsWith("virtio-blk-pci") && !spec.Contains(",bus=") && QemuArgv.IsQ35(newLive))
                spec += ",bus=" + await FreeHotplugPortAsync(e.Name, qmp);
            await qmp.DeviceAddAsync(spec);
        }
        catch (Exception ex) when (ex is Qemu.Qmp.QmpErrorException or VireoException)
        {
            // Undo the nodes already added, newest first, so a failed attach leaves QEMU as it was.
            added.Reverse();
            foreach (var node in added)
                try { await qmp.BlockdevDelAsync(node); } catch (Qemu.Qmp.QmpErrorException) { }
            if (secretAdded)
                try { await qmp.ObjectDelAsync(secret!.Id); } catch (Qemu.Qmp.QmpErrorException) { }
            throw new VireoException(ErrorCode.OperationFailed, $"attaching disk '{disk.TargetDev}' to domain '{e.Name}' failed: {ex.Message}");
        }
        DomainLog(e.Name, $"disk {disk.TargetDev} attached");
    }

    /// <summary>detach-disk: by target (vdb) or source path. detach-device passes the disk XML and uses its target.</summary>
    public async Task DetachDiskAsync(string key, string targetOrSource, DeviceScope scope)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try
        {
            var (live, config) = Scope(e, scope);
            var liveDisk = live ? FindDisk(e.Live!, targetOrSource, e.Name) : null;
            var configDisk = config ? FindDisk(e.Persistent!, targetOrSource, e.Name) : null;
            if (liveDisk is not null)
            {
                await UnplugDiskAsync(e, liveDisk);
                lock (e) e.Live = WithoutDisk(e.Live!, liveDisk.TargetDev!);
                SaveStatus(e);
            }
            if (configDisk is not null) SavePersistent(e, WithoutDisk(e.Persistent!, configDisk.TargetDev!));
            Publish(e, "DeviceRemoved", (liveDisk ?? configDisk)!.TargetDev ?? "");
        }
        finally { e.OpLock.Release(); }
    }

    public Task DetachDeviceAsync(string key, string xml, DeviceScope scope)
    {
        var device = ParseDevice(xml);
        if (device.Name.LocalName == "interface")
            return DetachInterfaceAsync(key, device.Attribute("type")?.Value, device.Element("mac")?.Attr("address"), scope);
        var target = device.Element("target")?.Attr("dev")
            ?? throw new VireoException(ErrorCode.XmlValidation, "the <disk> to detach needs a <target dev='...'/>");
        return DetachDiskAsync(key, target, scope);
    }

    private async Task UnplugDiskAsync(DomainEntry e, DiskDef disk)
    {
        var qmp = e.Instance!.Qmp;
        var id = QemuArgv.DiskDeviceId(disk);
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        e.PendingUnplugs[id] = gone;
        try
        {
            await qmp.DeviceDelAsync(id);
            // The guest has to let go of the device (ACPI eject for PCI); QEMU reports DEVICE_DELETED then.
            try { await gone.Task.WaitAsync(UnplugTimeout); }
            catch (TimeoutException)
            {
                throw new VireoException(ErrorCode.OperationTimeout,
                    $"the guest did not release disk '{disk.TargetDev}' within {UnplugTimeout.TotalSeconds:0} s (does it handle ACPI hot-unplug? <features><acpi/> is needed)");
            }
        }
        finally { e.PendingUnplugs.TryRemove(id, out _); }
        var node = QemuArgv.DiskNode(disk);
        foreach (var n in new[] { node + "-format", node + "-storage" })
            try { await qmp.BlockdevDelAsync(n); } catch (Qemu.Qmp.QmpErrorException) { /* an empty cdrom has no nodes */ }
        if (disk.Auth is not null)
            try { await qmp.ObjectDelAsync(QemuSecret.IdFor(disk.TargetDev!)); } catch (Qemu.Qmp.QmpErrorException) { }
        DomainLog(e.Name, $"disk {disk.TargetDev} detached");
    }

    /// <summary>update-device for a cdrom or floppy: the medium changes (or is ejected), the device stays.</summary>
    public async Task UpdateDeviceAsync(string key, string xml, DeviceScope scope)
    {
        var device = ParseDevice(xml);
        var target = device.Element("target")?.Attr("dev")
            ?? throw new VireoException(ErrorCode.XmlValidation, "the <disk> to update needs a <target dev='...'/>");
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try
        {
            var (live, config) = Scope(e, scope);
            DomainDefinition Replace(DomainDefinition def)
            {
                var old = FindDisk(def, target, e.Name);
                if (!old.IsCdrom && old.Device != "floppy")
                    throw new VireoException(ErrorCode.NotSupported, $"only the media of a cdrom or floppy can be changed; '{target}' is a {old.Device}");
                var x = new XElement(def.Xml);
                x.Element("devices")!.Elements("disk").First(d => d.Element("target")?.Attr("dev") == target).ReplaceWith(new XElement(device));
                return DomainDefinition.Parse(SafeXml.Format(x));
            }
            var newLive = live ? Replace(e.Live!) : null;
            var newConfig = config ? Replace(e.Persistent!) : null;
            CheckHostPaths(newLive ?? newConfig!, device, resolveVolumes: newLive is not null);
            if (newLive is not null)
            {
                await ChangeMediumAsync(e, FindDisk(e.Live!, target, e.Name), ForQemu(newLive).Disks.First(d => d.TargetDev == target));
                lock (e) e.Live = newLive;
                SaveStatus(e);
            }
            if (newConfig is not null) SavePersistent(e, newConfig);
        }
        finally { e.OpLock.Release(); }
    }

    private async Task ChangeMediumAsync(DomainEntry e, DiskDef old, DiskDef updated)
    {
        var qmp = e.Instance!.Qmp;
        var id = QemuArgv.DiskDeviceId(old);
        var node = QemuArgv.DiskNode(old);
        await qmp.EjectAsync(id);
        foreach (var n in new[] { node + "-format", node + "-storage" })
            try { await qmp.BlockdevDelAsync(n); } catch (Qemu.Qmp.QmpErrorException) { }
        var blockdevs = QemuArgv.DiskBlockdevs(updated);
        if (blockdevs.Count == 0) return; // ejected, tray left empty
        foreach (var b in blockdevs) await qmp.BlockdevAddAsync(b);
        await qmp.InsertMediumAsync(id, node + "-format");
    }
}
