using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>One entry of query-blockstats, for domblkstat (libvirt's names in the comments).</summary>
public sealed record QmpBlockStats(string Device, string? NodeName, long ReadBytes, long WriteBytes, long ReadOps, long WriteOps,
    long FlushOps, long ReadTimeNs, long WriteTimeNs, long FlushTimeNs);

/// <summary>Block devices: nodes, the media of removable devices, stats, resize.</summary>
public sealed partial class QmpClient
{
    /// <param name="timeout">Longer than the default for a network disk whose server may be slow to answer.</param>
    public Task BlockdevAddAsync(QmpBlockdev blockdev, TimeSpan? timeout = null, CancellationToken ct = default) =>
        ExecuteAsync("blockdev-add", blockdev.ToArguments(), timeout, ct);

    public Task BlockdevDelAsync(string nodeName, CancellationToken ct = default) =>
        ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = nodeName }, ct);

    /// <param name="force">Open it even if the guest locked it (the guest is told to let go).</param>
    public Task BlockdevOpenTrayAsync(string deviceId, bool force, CancellationToken ct = default) =>
        ExecuteAsync("blockdev-open-tray", new JsonObject { ["id"] = deviceId, ["force"] = force }, ct);

    /// <summary>Takes the medium out of a device whose tray is open; its nodes stay until blockdev-del.</summary>
    public Task BlockdevRemoveMediumAsync(string deviceId, CancellationToken ct = default) =>
        ExecuteAsync("blockdev-remove-medium", new JsonObject { ["id"] = deviceId }, ct);

    /// <summary>Puts a node added with blockdev-add into a device whose tray is open and empty.</summary>
    public Task BlockdevInsertMediumAsync(string deviceId, string nodeName, CancellationToken ct = default) =>
        ExecuteAsync("blockdev-insert-medium", new JsonObject { ["id"] = deviceId, ["node-name"] = nodeName }, ct);

    public Task BlockdevCloseTrayAsync(string deviceId, CancellationToken ct = default) =>
        ExecuteAsync("blockdev-close-tray", new JsonObject { ["id"] = deviceId }, ct);

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
}
