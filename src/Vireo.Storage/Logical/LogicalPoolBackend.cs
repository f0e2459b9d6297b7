using System.Globalization;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Facts;
using Vireo.Host.Processes;

namespace Vireo.Storage.Logical;

/// <summary>
/// libvirt's 'logical' pool: an LVM volume group (source name, default the pool name) on the source
/// devices; each logical volume is a volume at /dev/VG/LV. Activation needs the kernel's device-mapper.
/// </summary>
public sealed class LogicalPoolBackend(IProcessRunner runner, KernelFeatures kernel, ILogger logger) : IPoolBackend, ISourceFinder
{
    public string Type => "logical";
    public PoolCapabilities Capabilities => PoolCapabilities.Build | PoolCapabilities.Delete | PoolCapabilities.CreateVolume |
        PoolCapabilities.DeleteVolume | PoolCapabilities.ResizeVolume | PoolCapabilities.WipeVolume | PoolCapabilities.FindSources;

    public static string VolumeGroup(StoragePoolDefinition p) => p.SourceName ?? p.Name;

    private void RequireDeviceMapper(StoragePoolDefinition p)
    {
        if (!kernel.DeviceMapper)
            throw new VireoException(ErrorCode.OperationFailed,
                $"cannot start logical pool '{p.Name}': the kernel has no device-mapper (dm_mod), which LVM needs to activate volume group '{VolumeGroup(p)}'");
    }

    /// <summary>Each device becomes a physical volume, then the group is made; as libvirt, a failure removes the physical volumes made.</summary>
    public async Task BuildAsync(StoragePoolDefinition p, BuildMode mode, CancellationToken ct)
    {
        if (p.SourceDevices.Count == 0) throw new VireoException(ErrorCode.XmlValidation, $"logical pool '{p.Name}' needs <source><device> to build a volume group");
        Log.CreatingVolumeGroup(logger, p.Name, VolumeGroup(p), string.Join(", ", p.SourceDevices.Select(d => d.Path)));
        await using var undo = Log.Undo(logger, p.Name);
        foreach (var d in p.SourceDevices)
        {
            await runner.RunAsync(["pvcreate", .. mode == BuildMode.Overwrite ? new[] { "-ff", "-y" } : [], d.Path], ct: ct);
            undo.Add($"pvremove {d.Path}", () => runner.RunAsync(["pvremove", d.Path]));
        }
        await runner.RunAsync(["vgcreate", VolumeGroup(p), .. p.SourceDevices.Select(d => d.Path)], ct: ct);
        undo.Commit();
    }

    public async Task StartAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        RequireDeviceMapper(p);
        await runner.RunAsync(["vgchange", "-aay", VolumeGroup(p)], ct: ct);
    }

    public Task StopAsync(StoragePoolDefinition p, CancellationToken ct) => runner.RunAsync(["vgchange", "-aln", VolumeGroup(p)], ct: ct);

    public async Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        await runner.RunAsync(["vgremove", "-f", VolumeGroup(p)], ct: ct);
        foreach (var d in p.SourceDevices) await runner.RunAsync(["pvremove", d.Path], ct: ct);
    }

    public async Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var vg = (await runner.RunAsync(["vgs", "--noheadings", "--units", "b", "--nosuffix", "--separator", ",", "-o", "vg_size,vg_free", VolumeGroup(p)], ct: ct)).Stdout.Trim().Split(',');
        var size = long.Parse(vg[0].Trim(), CultureInfo.InvariantCulture);
        var free = long.Parse(vg[1].Trim(), CultureInfo.InvariantCulture);
        var lvs = (await runner.RunAsync(["lvs", "--noheadings", "--units", "b", "--nosuffix", "--separator", ",", "-o", "lv_name,lv_size,lv_path", VolumeGroup(p)], ct: ct)).Stdout;
        var vols = lvs.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l =>
        {
            var f = l.Split(',');
            var path = f.Length > 2 && f[2].Length > 0 ? f[2] : $"/dev/{VolumeGroup(p)}/{f[0]}";
            var bytes = long.Parse(f[1], CultureInfo.InvariantCulture);
            return new VolumeRecord(f[0], path, path, "block", "none", bytes, bytes);
        }).ToList();
        return (new PoolSizes(size, size - free, free), vols);
    }

    public async Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition p, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct)
    {
        if (spec.CloneFrom is not null) throw new VireoException(ErrorCode.NotSupported, "logical pools cannot clone volumes yet");
        var d = spec.Definition;
        var kib = ((d.Capacity ?? 0) + 1023) / 1024;
        // An allocation below the capacity makes a thin (sparse) volume, as libvirt does with a snapshot of the zero target.
        await runner.RunAsync(["lvcreate", "--yes", "--name", d.Name, "-L", $"{kib}K", VolumeGroup(p)], ct: ct);
        var path = $"/dev/{VolumeGroup(p)}/{d.Name}";
        return new VolumeRecord(d.Name, path, path, "block", "none", kib * 1024, kib * 1024);
    }

    public Task DeleteVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        runner.RunAsync(["lvremove", "-f", $"{VolumeGroup(p)}/{v.Name}"], ct: ct);

    public Task ResizeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, long capacity, bool shrink, CancellationToken ct) =>
        runner.RunAsync(["lvresize", .. shrink ? new[] { "-f" } : [], "-L", $"{(capacity + 1023) / 1024}K", $"{VolumeGroup(p)}/{v.Name}"], ct: ct);

    public Task WipeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        runner.RunAsync(["blkdiscard", "-z", v.Path], ct: ct);

    /// <summary>The volume groups pvs finds, each with its physical volumes.</summary>
    public async Task<string> FindSourcesAsync(string? host, int? port, string? initiator, CancellationToken ct)
    {
        if (initiator is not null) throw new VireoException(ErrorCode.InvalidArgument, "--initiator applies to iscsi and iscsi-direct sources, not logical");
        var r = await runner.RunAsync(["pvs", "--noheadings", "--separator", ",", "-o", "pv_name,vg_name"], ct: ct);
        var groups = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(',')).Where(f => f.Length == 2 && f[1].Length > 0).GroupBy(f => f[1], f => f[0]);
        var sources = new System.Xml.Linq.XElement("sources", groups.Select(g => new System.Xml.Linq.XElement("source",
            g.Select(pv => new System.Xml.Linq.XElement("device", new System.Xml.Linq.XAttribute("path", pv))),
            new System.Xml.Linq.XElement("name", g.Key),
            new System.Xml.Linq.XElement("format", new System.Xml.Linq.XAttribute("type", "lvm2")))));
        return Core.Xml.SafeXml.Format(sources);
    }
}
