using Vireo.Core.Domain;
using Vireo.Core.Domain.Edits;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains.Disks;
using Vireo.Images;
using Vireo.Images.Info;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Queries;

/// <summary>What domblkinfo shows: the size the guest sees, what the host file holds, and its size on the host.</summary>
public sealed record DiskSizes(string Target, long Capacity, long Allocation, long Physical);

/// <summary>domblklist, domblkinfo, domblkstat and blockresize.</summary>
public sealed class DomainBlocks(DomainRegistry registry, DiskSources disks, DomainLogWriter log)
{
    public IReadOnlyList<DiskDef> List(string key, bool inactive)
    {
        var e = registry.Lookup(key);
        lock (e) return (inactive ? e.Persistent ?? e.Current : e.Current).Disks;
    }

    /// <summary>Capacity, allocation and physical size, from the image itself.</summary>
    public async Task<DiskSizes> InfoAsync(string key, string targetOrSource)
    {
        var e = registry.Lookup(key);
        DomainDefinition def;
        lock (e) def = e.Current;
        var disk = disks.ForQemu(def).Disks.FirstOrDefault(d => d.TargetDev == targetOrSource || d.Source?.File == targetOrSource || d.Source?.Dev == targetOrSource)
            ?? throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: no disk with target or source '{targetOrSource}' in domain '{e.Name}'");
        var path = disk.Source?.File ?? disk.Source?.Dev
            ?? throw new VireoException(ErrorCode.NotSupported, $"domblkinfo needs a local file or block device; disk '{disk.TargetDev}' has none");
        var format = disk.DriverType ?? ImageFormat.Probe(path);
        using var img = await ImageOpener.OpenAsync(path, format == "iso" ? "raw" : format, openBacking: false);
        var physical = disk.Type == "block" ? img.VirtualSize : new FileInfo(path).Length;
        var allocation = disk.Type == "block" ? img.VirtualSize : ImageInfo.ActualSize(path);
        return new DiskSizes(disk.TargetDev ?? "", img.VirtualSize, allocation, physical);
    }

    /// <summary>Each disk of the running guest with QEMU's counters for it (null if QEMU reports none).</summary>
    public async Task<IReadOnlyList<(DiskDef Disk, QmpBlockStats? Stats)>> StatsAsync(string key)
    {
        await using var op = await DomainOperation.RunningAsync(registry.Lookup(key));
        var stats = await op.Running.Qmp.QueryBlockstatsAsync();
        DomainDefinition def;
        lock (op.Entry) def = op.Entry.Live!;
        return def.Disks.Select(d =>
        {
            var id = QemuArgv.DiskDeviceId(d);
            return (d, stats.FirstOrDefault(x => x.Device == id || x.Device.EndsWith("/" + id) || x.NodeName == QemuArgv.DiskNode(d) + "-format"));
        }).ToList();
    }

    /// <summary>blockresize: grows the image under a running guest (QEMU resizes the format node, the guest sees the new size).</summary>
    public async Task ResizeAsync(string key, string targetOrSource, long size)
    {
        await using var op = await DomainOperation.RunningAsync(registry.Lookup(key));
        var e = op.Entry;
        DiskDef disk;
        lock (e) disk = DomainEdits.FindDisk(e.Live!, targetOrSource, e.Name);
        if (disk.Source is null) throw VireoException.Invalid($"Requested operation is not valid: disk '{disk.TargetDev}' has no medium");
        await op.Running.Qmp.BlockResizeAsync(QemuArgv.DiskNode(disk) + "-format", size);
        log.Write(e.Name, $"disk {disk.TargetDev} resized to {size} bytes");
    }
}
