using Vireo.Contracts;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Images;
using Vireo.Images.Info;
using Vireo.Qemu.Argv;

namespace Vireo.Daemon.Domains;

/// <summary>domblklist, domblkinfo, domblkstat and blockresize.</summary>
public sealed partial class DomainService
{
    public List<DiskSummary> BlockList(string key, bool inactive)
    {
        var e = Lookup(key);
        DomainDefinition def;
        lock (e) def = inactive ? e.Persistent ?? e.Current : e.Current;
        return def.Disks.Select(d => new DiskSummary
        {
            Target = d.TargetDev ?? "",
            Type = d.Type,
            Device = d.Device,
            Source = d.Source switch
            {
                { File: { } f } => f,
                { Dev: { } dev } => dev,
                { Pool: { } p, Volume: { } v } => $"{p}/{v}",
                { Protocol: not null, Name: { } n } => n,
                { Dir: { } dir } => dir,
                _ => null,
            },
            Bus = d.TargetBus ?? (d.TargetDev is { } t ? DiskBus.Guess(t) : null),
            Format = d.DriverType,
        }).ToList();
    }

    /// <summary>Capacity (what the guest sees), allocation (what the host file holds) and physical size, from the image itself.</summary>
    public async Task<BlockInfo> BlockInfoAsync(string key, string targetOrSource)
    {
        var e = Lookup(key);
        DomainDefinition def;
        lock (e) def = e.Current;
        var disk = ForQemu(def).Disks.FirstOrDefault(d => d.TargetDev == targetOrSource || d.Source?.File == targetOrSource || d.Source?.Dev == targetOrSource)
            ?? throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: no disk with target or source '{targetOrSource}' in domain '{e.Name}'");
        var path = disk.Source?.File ?? disk.Source?.Dev
            ?? throw new VireoException(ErrorCode.NotSupported, $"domblkinfo needs a local file or block device; disk '{disk.TargetDev}' has none");
        var format = disk.DriverType ?? ImageFormat.Probe(path);
        using var img = await ImageOpener.OpenAsync(path, format == "iso" ? "raw" : format, openBacking: false);
        var physical = disk.Type == "block" ? img.VirtualSize : new FileInfo(path).Length;
        var allocation = disk.Type == "block" ? img.VirtualSize : ImageInfo.ActualSize(path);
        return new BlockInfo { Target = disk.TargetDev ?? "", Capacity = img.VirtualSize, Allocation = allocation, Physical = physical };
    }

    public async Task<List<BlockStats>> BlockStatsAsync(string key)
    {
        var (e, instance) = await RunningAsync(key);
        try
        {
            var stats = await instance.Qmp.QueryBlockstatsAsync();
            DomainDefinition def;
            lock (e) def = e.Live!;
            return def.Disks.Select(d =>
            {
                var id = QemuArgv.DiskDeviceId(d);
                var s = stats.FirstOrDefault(x => x.Device == id || x.Device.EndsWith("/" + id) || x.NodeName == QemuArgv.DiskNode(d) + "-format");
                return new BlockStats
                {
                    Target = d.TargetDev ?? "", ReadRequests = s?.ReadOps ?? 0, ReadBytes = s?.ReadBytes ?? 0, WriteRequests = s?.WriteOps ?? 0,
                    WriteBytes = s?.WriteBytes ?? 0, FlushOperations = s?.FlushOps ?? 0, ReadTotalTimeNs = s?.ReadTimeNs ?? 0,
                    WriteTotalTimeNs = s?.WriteTimeNs ?? 0, FlushTotalTimeNs = s?.FlushTimeNs ?? 0,
                };
            }).ToList();
        }
        finally { e.OpLock.Release(); }
    }

    /// <summary>blockresize: grows the image under a running guest (QEMU resizes the format node, the guest sees the new size).</summary>
    public async Task BlockResizeAsync(string key, string targetOrSource, long size)
    {
        var (e, instance) = await RunningAsync(key);
        try
        {
            DiskDef disk;
            lock (e) disk = FindDisk(e.Live!, targetOrSource, e.Name);
            if (disk.Source is null) throw VireoException.Invalid($"Requested operation is not valid: disk '{disk.TargetDev}' has no medium");
            await instance.Qmp.BlockResizeAsync(QemuArgv.DiskNode(disk) + "-format", size);
            DomainLog(e.Name, $"disk {disk.TargetDev} resized to {size} bytes");
        }
        finally { e.OpLock.Release(); }
    }
}
