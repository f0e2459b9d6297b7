using System.Globalization;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Facts;
using Vireo.Host.Processes;

namespace Vireo.Storage.Zfs;

/// <summary>libvirt's 'zfs' pool: a zpool (source name) whose zvols are the volumes, at /dev/zvol/POOL/VOL.</summary>
public sealed class ZfsPoolBackend(IProcessRunner runner, KernelFeatures kernel, ILogger logger) : IPoolBackend
{
    public string Type => "zfs";
    public PoolCapabilities Capabilities => PoolCapabilities.Build | PoolCapabilities.Delete | PoolCapabilities.CreateVolume |
        PoolCapabilities.DeleteVolume | PoolCapabilities.ResizeVolume;

    private static string Zpool(StoragePoolDefinition p) => p.SourceName ?? p.Name;

    private void RequireZfs(StoragePoolDefinition p)
    {
        if (!kernel.Zfs)
            throw new VireoException(ErrorCode.OperationFailed, $"cannot use zfs pool '{p.Name}': the kernel has no ZFS module (zfs, /dev/zfs)");
    }

    public async Task BuildAsync(StoragePoolDefinition p, BuildMode mode, CancellationToken ct)
    {
        RequireZfs(p);
        if (p.SourceDevices.Count == 0) throw new VireoException(ErrorCode.XmlValidation, $"zfs pool '{p.Name}' needs <source><device> to create a zpool");
        Log.CreatingZpool(logger, p.Name, Zpool(p), string.Join(", ", p.SourceDevices.Select(d => d.Path)));
        await runner.RunAsync(["zpool", "create", .. mode == BuildMode.Overwrite ? new[] { "-f" } : [], Zpool(p), .. p.SourceDevices.Select(d => d.Path)], ct: ct);
    }

    public async Task StartAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        RequireZfs(p);
        var listed = await runner.RunAsync(["zpool", "list", "-H", "-o", "name", Zpool(p)], check: false, ct: ct);
        if (listed.ExitCode != 0) await runner.RunAsync(["zpool", "import", Zpool(p)], ct: ct);
    }

    public Task StopAsync(StoragePoolDefinition p, CancellationToken ct) => Task.CompletedTask;

    public Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct) => runner.RunAsync(["zpool", "destroy", Zpool(p)], ct: ct);

    public async Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var props = (await runner.RunAsync(["zpool", "get", "-Hp", "-o", "value", "size,allocated,free", Zpool(p)], ct: ct)).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v.Trim(), CultureInfo.InvariantCulture)).ToArray();
        var list = (await runner.RunAsync(["zfs", "list", "-Hp", "-t", "volume", "-o", "name,volsize,referenced", "-r", Zpool(p)], ct: ct)).Stdout;
        var vols = list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            var f = l.Split('\t');
            var name = f[0][(f[0].LastIndexOf('/') + 1)..];
            var path = $"/dev/zvol/{f[0]}";
            return new VolumeRecord(name, path, path, "block", "none", long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture));
        }).ToList();
        return (new PoolSizes(props[0], props[1], props[2]), vols);
    }

    public async Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition p, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct)
    {
        if (spec.CloneFrom is not null) throw new VireoException(ErrorCode.NotSupported, "zfs pools cannot clone volumes yet");
        var d = spec.Definition;
        var size = d.Capacity ?? 0;
        // libvirt makes a sparse zvol (-s) when the allocation is below the capacity.
        string[] sparse = d.Allocation is { } a && a < size ? ["-s"] : [];
        await runner.RunAsync(["zfs", "create", .. sparse, "-V", size.ToString(CultureInfo.InvariantCulture), $"{Zpool(p)}/{d.Name}"], ct: ct);
        var path = $"/dev/zvol/{Zpool(p)}/{d.Name}";
        return new VolumeRecord(d.Name, path, path, "block", "none", size, d.Allocation ?? size);
    }

    public Task DeleteVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        runner.RunAsync(["zfs", "destroy", $"{Zpool(p)}/{v.Name}"], ct: ct);

    public Task ResizeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, long capacity, bool shrink, CancellationToken ct) =>
        runner.RunAsync(["zfs", "set", $"volsize={capacity}", $"{Zpool(p)}/{v.Name}"], ct: ct);

    public Task WipeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "zfs pools do not support vol-wipe");
}
