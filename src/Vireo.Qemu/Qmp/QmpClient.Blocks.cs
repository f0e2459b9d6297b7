using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>One entry of query-blockstats, for domblkstat (libvirt's names in the comments).</summary>
public sealed record QmpBlockStats(string Device, string? NodeName, long ReadBytes, long WriteBytes, long ReadOps, long WriteOps,
    long FlushOps, long ReadTimeNs, long WriteTimeNs, long FlushTimeNs);

/// <summary>Block devices: hot-plug (blockdev-add + device_add, and back), media, stats, resize.</summary>
public sealed partial class QmpClient
{
    private static readonly HashSet<string> IntProperties = ["bootindex", "unit", "lun", "scsi-id", "channel", "num-queues"];

    /// <summary>blockdev-add with an object as written for -blockdev.</summary>
    /// <param name="timeout">Longer than the default for a network disk whose server may be slow to answer.</param>
    public Task BlockdevAddAsync(string blockdevJson, TimeSpan? timeout = null, CancellationToken ct = default) =>
        SendAsync("blockdev-add", (JsonObject)JsonNode.Parse(blockdevJson)!, null, timeout, ct);

    /// <summary>object-add of an encrypted secret (see <see cref="Argv.QemuSecret"/>), before the blockdev that uses it.</summary>
    public Task SecretAddAsync(Argv.QemuSecret secret, CancellationToken ct = default) =>
        ExecuteAsync("object-add", new JsonObject
        {
            ["qom-type"] = "secret", ["id"] = secret.Id, ["data"] = secret.DataBase64, ["keyid"] = Argv.QemuSecret.MasterKeyId,
            ["iv"] = secret.IvBase64, ["format"] = "base64",
        }, ct);

    public Task ObjectDelAsync(string id, CancellationToken ct = default) =>
        ExecuteAsync("object-del", new JsonObject { ["id"] = id }, ct);

    public Task BlockdevDelAsync(string nodeName, CancellationToken ct = default) =>
        ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = nodeName }, ct);

    /// <summary>device_add from a -device value ("virtio-blk-pci,drive=x,id=y"): the same text QEMU's command line takes.</summary>
    public Task DeviceAddAsync(string deviceSpec, CancellationToken ct = default) => ExecuteAsync("device_add", DeviceArgs(deviceSpec), ct);

    public static JsonObject DeviceArgs(string deviceSpec)
    {
        var parts = SplitSpec(deviceSpec);
        var args = new JsonObject { ["driver"] = parts[0] };
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=');
            var (k, v) = eq < 0 ? (p, "on") : (p[..eq], p[(eq + 1)..]);
            args[k] = IntProperties.Contains(k) && long.TryParse(v, out var n) ? JsonValue.Create(n) : JsonValue.Create(v);
        }
        return args;
    }

    /// <summary>Splits on commas, where ",," is an escaped comma (QEMU's option syntax).</summary>
    private static List<string> SplitSpec(string spec)
    {
        var parts = new List<string>();
        var cur = new System.Text.StringBuilder();
        for (var i = 0; i < spec.Length; i++)
        {
            if (spec[i] == ',' && i + 1 < spec.Length && spec[i + 1] == ',') { cur.Append(','); i++; }
            else if (spec[i] == ',') { parts.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(spec[i]);
        }
        parts.Add(cur.ToString());
        return parts;
    }

    /// <summary>device_del only asks the guest; the device is gone when DEVICE_DELETED arrives.</summary>
    public Task DeviceDelAsync(string id, CancellationToken ct = default) =>
        ExecuteAsync("device_del", new JsonObject { ["id"] = id }, ct);

    public async Task<IReadOnlyList<QmpBlockStats>> QueryBlockstatsAsync(CancellationToken ct = default)
    {
        var r = await ExecuteAsync("query-blockstats", new JsonObject { ["query-nodes"] = false }, ct) as JsonArray ?? [];
        return r.Select(b =>
        {
            var s = b!["stats"]!;
            long L(string k) => (long?)s[k] ?? 0;
            return new QmpBlockStats((string?)b["qdev"] ?? (string?)b["device"] ?? "", (string?)b["node-name"],
                L("rd_bytes"), L("wr_bytes"), L("rd_operations"), L("wr_operations"), L("flush_operations"),
                L("rd_total_time_ns"), L("wr_total_time_ns"), L("flush_total_time_ns"));
        }).ToList();
    }

    public Task BlockResizeAsync(string nodeName, long size, CancellationToken ct = default) =>
        ExecuteAsync("block_resize", new JsonObject { ["node-name"] = nodeName, ["size"] = size }, ct);

    /// <summary>Opens the tray and drops the medium of a removable device (cdrom eject).</summary>
    public async Task EjectAsync(string deviceId, CancellationToken ct = default)
    {
        await ExecuteAsync("blockdev-open-tray", new JsonObject { ["id"] = deviceId, ["force"] = true }, ct);
        await ExecuteAsync("blockdev-remove-medium", new JsonObject { ["id"] = deviceId }, ct);
    }

    /// <summary>Puts a medium (a node already added with blockdev-add) into the device and closes the tray.</summary>
    public async Task InsertMediumAsync(string deviceId, string nodeName, CancellationToken ct = default)
    {
        await ExecuteAsync("blockdev-open-tray", new JsonObject { ["id"] = deviceId, ["force"] = true }, ct);
        await ExecuteAsync("blockdev-remove-medium", new JsonObject { ["id"] = deviceId }, ct);
        await ExecuteAsync("blockdev-insert-medium", new JsonObject { ["id"] = deviceId, ["node-name"] = nodeName }, ct);
        await ExecuteAsync("blockdev-close-tray", new JsonObject { ["id"] = deviceId }, ct);
    }
}
