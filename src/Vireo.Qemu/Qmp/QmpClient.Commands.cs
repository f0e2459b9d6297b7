using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

public sealed record QmpStatus(string Status, bool Running);

public sealed record QmpCpu(int Index, int ThreadId, string QomPath);

public sealed record QmpVnc(bool Enabled, string? Host, int? Port);

/// <summary>query-version's QEMU version.</summary>
public sealed record QmpVersion(int Major, int Minor, int Micro)
{
    public override string ToString() => $"{Major}.{Minor}.{Micro}";
}

/// <summary>One entry of query-machines.</summary>
public sealed record QmpMachine(string Name, string? Alias, int CpuMax, bool IsDefault, bool Deprecated);

/// <summary>
/// Run state, vCPUs, displays and HMP: one method per QMP command, with typed arguments and results (see
/// qemu's qapi/*.json); devices, networking, objects and block devices are in the other partials.
/// </summary>
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
        (string?)await ExecuteAsync("human-monitor-command", new JsonObject { ["command-line"] = commandLine }, timeout, ct) ?? "";

    public Task SetVncPasswordAsync(string password, CancellationToken ct = default) =>
        ExecuteAsync("set_password", new JsonObject { ["protocol"] = "vnc", ["password"] = password }, ct);

    public async Task<QmpVersion> QueryVersionAsync(CancellationToken ct = default)
    {
        var v = (await ExecuteAsync("query-version", null, ct))?["qemu"];
        return new QmpVersion((int?)v?["major"] ?? 0, (int?)v?["minor"] ?? 0, (int?)v?["micro"] ?? 0);
    }

    public async Task<IReadOnlyList<QmpMachine>> QueryMachinesAsync(CancellationToken ct = default) =>
        (await ExecuteAsync("query-machines", null, ct) as JsonArray ?? [])
        .Select(m => new QmpMachine((string)m!["name"]!, (string?)m["alias"], (int?)m["cpu-max"] ?? 1, (bool?)m["is-default"] ?? false,
            (bool?)m["deprecated"] ?? false))
        .ToList();

    /// <summary>query-cpu-definitions: the names of the CPU models this QEMU knows.</summary>
    public async Task<IReadOnlyList<string>> QueryCpuDefinitionsAsync(CancellationToken ct = default) =>
        (await ExecuteAsync("query-cpu-definitions", null, ct) as JsonArray ?? []).Select(c => (string)c!["name"]!).ToList();
}
