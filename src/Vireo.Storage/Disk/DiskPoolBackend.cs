using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Processes;

namespace Vireo.Storage.Disk;

/// <summary>
/// libvirt's 'disk' pool: a whole block device with a partition table; each partition is a volume.
/// The table is written and read with sfdisk (util-linux); partx tells the kernel about changes.
/// </summary>
public sealed class DiskPoolBackend(IProcessRunner runner, ILogger logger) : IPoolBackend
{
    public static readonly IReadOnlyList<string> Labels = ["dos", "gpt"];

    public string Type => "disk";
    public PoolCapabilities Capabilities => PoolCapabilities.Build | PoolCapabilities.Delete | PoolCapabilities.CreateVolume |
        PoolCapabilities.DeleteVolume | PoolCapabilities.WipeVolume;

    private static string Device(StoragePoolDefinition p) => p.SourceDevices[0].Path;

    private static string Label(StoragePoolDefinition p) => p.SourceFormat switch
    {
        null or "unknown" or "dos" => "dos",
        "gpt" => "gpt",
        var f => throw new VireoException(ErrorCode.ConfigUnsupported, $"partition table format '{f}' is not supported (dos or gpt)"),
    };

    private static void RequireDevice(StoragePoolDefinition p)
    {
        if (!File.Exists(Device(p))) throw new VireoException(ErrorCode.OperationFailed, $"source device '{Device(p)}' of storage pool '{p.Name}' does not exist");
    }

    /// <summary>The partition table sfdisk reads, or null when the device has none.</summary>
    private async Task<JsonNode?> TableAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var r = await runner.RunAsync(["sfdisk", "--json", Device(p)], check: false, ct: ct);
        return r.ExitCode == 0 && r.Stdout.Trim().Length > 0 ? JsonNode.Parse(r.Stdout)?["partitiontable"] : null;
    }

    public async Task BuildAsync(StoragePoolDefinition p, BuildMode mode, CancellationToken ct)
    {
        RequireDevice(p);
        var existing = await TableAsync(p, ct);
        if (existing is not null && mode != BuildMode.Overwrite)
            throw new VireoException(ErrorCode.OperationFailed,
                $"device '{Device(p)}' already has a '{existing["label"]}' partition table; use --overwrite to replace it");
        Log.WritingPartitionTable(logger, p.Name, Label(p), Device(p));
        await runner.RunAsync(["sfdisk", "--wipe", "always", Device(p)], ct: ct, stdin: $"label: {Label(p)}\n");
        await runner.RunAsync(["partx", "-d", Device(p)], check: false, ct: ct);
    }

    public async Task StartAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        RequireDevice(p);
        if (await TableAsync(p, ct) is null)
            throw new VireoException(ErrorCode.OperationFailed, $"device '{Device(p)}' has no partition table (run 'vireo pool-build {p.Name}')");
    }

    public Task StopAsync(StoragePoolDefinition p, CancellationToken ct) => Task.CompletedTask;

    public Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct) =>
        runner.RunAsync(["wipefs", "--all", Device(p)], ct: ct);

    public async Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var table = await TableAsync(p, ct) ?? throw new VireoException(ErrorCode.OperationFailed, $"device '{Device(p)}' has no partition table");
        var sector = (long?)table["sectorsize"] ?? 512;
        var total = long.Parse((await runner.RunAsync(["blockdev", "--getsize64", Device(p)], ct: ct)).Stdout.Trim());
        var vols = (table["partitions"] as JsonArray ?? []).Select(part =>
        {
            var node = (string)part!["node"]!;
            var size = (long)part["size"]! * sector;
            return new VolumeRecord(Path.GetFileName(node), node, node, "block", "none", size, size);
        }).ToList();
        var used = vols.Sum(v => v.Capacity);
        return (new PoolSizes(total, used, total - used), vols);
    }

    /// <summary>The node the next partition gets: loop0 -> loop0p1, sdb -> sdb1 (part_separator='yes' forces the 'p').</summary>
    public static string PartitionName(StoragePoolDefinition p, int number)
    {
        var dev = Path.GetFileName(Device(p));
        var sep = p.SourceDevices[0].PartSeparator switch { "yes" => "p", "no" => "", _ => char.IsDigit(dev[^1]) ? "p" : "" };
        return $"{dev}{sep}{number}";
    }

    public async Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition p, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct)
    {
        if (spec.CloneFrom is not null) throw new VireoException(ErrorCode.NotSupported, "disk pools cannot clone volumes");
        var table = await TableAsync(p, ct) ?? throw new VireoException(ErrorCode.OperationFailed, $"device '{Device(p)}' has no partition table");
        var next = (table["partitions"] as JsonArray ?? []).Count + 1;
        var expected = PartitionName(p, next);
        if (spec.Definition.Name != expected)
            throw new VireoException(ErrorCode.InvalidArgument, $"volume name '{spec.Definition.Name}' is not the next partition of '{Device(p)}': use '{expected}'");
        var sector = (long?)table["sectorsize"] ?? 512;
        var sectors = ((spec.Definition.Capacity ?? 0) + sector - 1) / sector;
        await using var undo = Log.Undo(logger, p.Name);
        await runner.RunAsync(["sfdisk", "--append", Device(p)], ct: ct, stdin: $",{sectors}\n");
        undo.Add($"delete partition {next} of '{Device(p)}'", () => DeletePartitionAsync(p, next.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None));
        await runner.RunAsync(["partx", "-u", Device(p)], check: false, ct: ct);
        var (_, vols) = await RefreshAsync(p, ct);
        var made = vols.FirstOrDefault(v => v.Name == expected) ?? throw new VireoException(ErrorCode.OperationFailed, $"partition '{expected}' did not appear");
        undo.Commit();
        return made;
    }

    public async Task DeleteVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct)
    {
        var number = new string(v.Name.Reverse().TakeWhile(char.IsDigit).Reverse().ToArray());
        await DeletePartitionAsync(p, number, ct);
    }

    private async Task DeletePartitionAsync(StoragePoolDefinition p, string number, CancellationToken ct)
    {
        await runner.RunAsync(["sfdisk", "--delete", Device(p), number], ct: ct);
        await runner.RunAsync(["partx", "-d", "--nr", number, Device(p)], check: false, ct: ct);
    }

    public Task ResizeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, long capacity, bool shrink, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "disk pools cannot resize partitions");

    public async Task WipeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct)
    {
        await using var f = new FileStream(v.Path, FileMode.Open, FileAccess.Write);
        var zeros = new byte[1 << 20];
        for (long pos = 0; pos < v.Capacity; pos += zeros.Length)
            await f.WriteAsync(zeros.AsMemory(0, (int)Math.Min(zeros.Length, v.Capacity - pos)), ct);
        f.Flush(flushToDisk: true);
    }
}
