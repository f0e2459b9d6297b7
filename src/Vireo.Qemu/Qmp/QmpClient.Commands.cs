using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

public sealed record QmpStatus(string Status, bool Running);

public sealed record QmpCpu(int Index, int ThreadId, string QomPath);

public sealed record QmpVnc(bool Enabled, string? Host, int? Port);

/// <summary>One method per QMP command Vireo uses, with typed results (see qemu's qapi/*.json).</summary>
public sealed partial class QmpClient
{
    public Task ContAsync(CancellationToken ct = default) => ExecuteAsync("cont", null, ct);

    public Task StopAsync(CancellationToken ct = default) => ExecuteAsync("stop", null, ct);

    public Task SystemPowerdownAsync(CancellationToken ct = default) => ExecuteAsync("system_powerdown", null, ct);

    public Task SystemResetAsync(CancellationToken ct = default) => ExecuteAsync("system_reset", null, ct);

    public Task QuitAsync(CancellationToken ct = default) => ExecuteAsync("quit", null, ct);

    public async Task<QmpStatus> QueryStatusAsync(CancellationToken ct = default)
    {
        var r = await ExecuteAsync("query-status", null, ct);
        return new QmpStatus((string?)r?["status"] ?? "unknown", (bool?)r?["running"] ?? false);
    }

    public async Task<IReadOnlyList<QmpCpu>> QueryCpusFastAsync(CancellationToken ct = default)
    {
        var r = await ExecuteAsync("query-cpus-fast", null, ct) as JsonArray ?? [];
        return r.Select(c => new QmpCpu((int?)c?["cpu-index"] ?? 0, (int?)c?["thread-id"] ?? 0, (string?)c?["qom-path"] ?? "")).ToList();
    }

    public async Task<QmpVnc> QueryVncAsync(CancellationToken ct = default)
    {
        var r = await ExecuteAsync("query-vnc", null, ct);
        var service = (string?)r?["service"];
        return new QmpVnc((bool?)r?["enabled"] ?? false, (string?)r?["host"], int.TryParse(service, out var p) ? p : null);
    }

    /// <param name="timeout">For HMP commands known to be slow (savevm, ...); the default otherwise.</param>
    public async Task<string> HumanMonitorCommandAsync(string commandLine, TimeSpan? timeout = null, CancellationToken ct = default) =>
        (string?)await SendAsync("human-monitor-command", new JsonObject { ["command-line"] = commandLine }, null, timeout, ct) ?? "";

    public Task SetVncPasswordAsync(string password, CancellationToken ct = default) =>
        ExecuteAsync("set_password", new JsonObject { ["protocol"] = "vnc", ["password"] = password }, ct);

    /// <summary>A q35 hotplug root port (vireo-portN) with nothing behind it, from query-pci; null when there is none.</summary>
    public async Task<string?> FreeHotplugPortAsync(CancellationToken ct = default)
    {
        var buses = await ExecuteAsync("query-pci", null, ct) as JsonArray ?? [];
        foreach (var dev in buses.SelectMany(b => b?["devices"] as JsonArray ?? []))
        {
            var id = (string?)dev?["qdev_id"];
            if (id is null || !id.StartsWith(Argv.QemuArgv.HotplugPortPrefix)) continue;
            if (dev!["pci_bridge"]?["devices"] is not JsonArray { Count: > 0 }) return id;
        }
        return null;
    }
}
