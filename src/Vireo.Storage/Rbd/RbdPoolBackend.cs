using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Processes;

namespace Vireo.Storage.Rbd;

/// <summary>
/// libvirt's 'rbd' pool: a Ceph pool (source name) whose RBD images are the volumes, managed with the
/// rbd and ceph tools; guests open them as rbd network disks with the pool's cephx secret.
/// </summary>
public sealed class RbdPoolBackend(IProcessRunner runner, ISecretValues secrets, string stateDir, ILogger logger) : IPoolBackend, INetworkVolumes
{
    public string Type => "rbd";
    public PoolCapabilities Capabilities => PoolCapabilities.CreateVolume | PoolCapabilities.DeleteVolume | PoolCapabilities.ResizeVolume;

    private static string CephPool(StoragePoolDefinition p) => p.SourceName!;

    private async Task<string> RunAsync(StoragePoolDefinition p, string tool, IEnumerable<string> args, CancellationToken ct)
    {
        using var c = new CephClientConfig(p, secrets, stateDir);
        var r = await runner.RunAsync([tool, .. c.Args, .. args], check: false, ct: ct);
        if (r.ExitCode != 0)
            throw new VireoException(ErrorCode.OperationFailed, $"{tool} {string.Join(' ', args)} failed for pool '{p.Name}': {(r.Stderr + r.Stdout).Trim()}");
        return r.Stdout;
    }

    public Task BuildAsync(StoragePoolDefinition p, BuildMode mode, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "rbd pools are created on the Ceph side (ceph osd pool create)");

    /// <summary>Starting checks that the cluster answers with these credentials and has the pool.</summary>
    public async Task StartAsync(StoragePoolDefinition p, CancellationToken ct) =>
        await RunAsync(p, "rbd", ["ls", "--format", "json", CephPool(p)], ct);

    public Task StopAsync(StoragePoolDefinition p, CancellationToken ct) => Task.CompletedTask;

    public Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "rbd pools are deleted on the Ceph side (ceph osd pool delete)");

    public async Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var images = JsonNode.Parse(await RunAsync(p, "rbd", ["ls", "-l", "--format", "json", CephPool(p)], ct)) as JsonArray ?? [];
        var vols = images.Where(i => i?["snapshot"] is null).Select(i =>
        {
            var name = (string)i!["image"]!;
            var size = (long?)i["size"] ?? 0;
            var key = $"{CephPool(p)}/{name}";
            return new VolumeRecord(name, key, key, "network", "raw", size, size);
        }).ToList();
        var sizes = new PoolSizes(0, vols.Sum(v => v.Allocation), 0);
        try
        {
            var df = JsonNode.Parse(await RunAsync(p, "ceph", ["df", "--format", "json"], ct));
            var stats = (df?["pools"] as JsonArray)?.FirstOrDefault(x => (string?)x?["name"] == CephPool(p))?["stats"];
            if (stats is not null)
            {
                var used = (long?)stats["stored"] ?? (long?)stats["bytes_used"] ?? 0;
                var avail = (long?)stats["max_avail"] ?? 0;
                sizes = new PoolSizes(used + avail, used, avail);
            }
        }
        catch (VireoException) { /* 'ceph df' needs mon read caps; the volumes are still listed */ }
        return (sizes, vols);
    }

    public (string Protocol, string Name) SourceOf(StoragePoolDefinition p, VolumeRecord v) => ("rbd", $"{CephPool(p)}/{v.Name}");

    public async Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition p, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct)
    {
        var d = spec.Definition;
        var size = d.Capacity ?? spec.CloneFrom?.Capacity ?? 0;
        var mib = Math.Max(1, (size + (1 << 20) - 1) >> 20);
        if (spec.CloneFrom is { } src)
        {
            // A copy that cannot be grown to the size asked for is removed again.
            await using var undo = Log.Undo(logger, p.Name);
            await RunAsync(p, "rbd", ["cp", $"{CephPool(p)}/{src.Name}", $"{CephPool(p)}/{d.Name}"], ct);
            undo.Add($"rbd rm {CephPool(p)}/{d.Name}", () => RunAsync(p, "rbd", ["rm", "--no-progress", $"{CephPool(p)}/{d.Name}"], CancellationToken.None));
            if (mib << 20 > src.Capacity) await RunAsync(p, "rbd", ["resize", "--size", $"{mib}M", $"{CephPool(p)}/{d.Name}"], ct);
            undo.Commit();
        }
        else await RunAsync(p, "rbd", ["create", "--size", $"{mib}M", $"{CephPool(p)}/{d.Name}"], ct);
        var key = $"{CephPool(p)}/{d.Name}";
        return new VolumeRecord(d.Name, key, key, "network", "raw", mib << 20, 0);
    }

    public Task DeleteVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        RunAsync(p, "rbd", ["rm", "--no-progress", $"{CephPool(p)}/{v.Name}"], ct);

    public Task ResizeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, long capacity, bool shrink, CancellationToken ct) =>
        RunAsync(p, "rbd", ["resize", "--no-progress", "--size", $"{Math.Max(1, (capacity + (1 << 20) - 1) >> 20).ToString(CultureInfo.InvariantCulture)}M",
            .. shrink ? new[] { "--allow-shrink" } : [], $"{CephPool(p)}/{v.Name}"], ct);

    public Task WipeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "rbd pools do not support vol-wipe yet");
}
