using System.Text.Json.Nodes;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Daemon.State;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Queries;

/// <summary>One vCPU's host thread, as 'virsh vcpuinfo' shows it.</summary>
public sealed record VcpuThread(int Vcpu, int? Cpu, string State, double CpuTimeSeconds, int ThreadId, string? Affinity);

/// <summary>dominfo's figures, the vCPU threads, the QEMU command line and the raw monitor.</summary>
public sealed class DomainQueries(DomainRegistry registry, VireoPaths paths, QemuHostOptions host)
{
    /// <summary>The domain, and the CPU time its QEMU has used (null when it is not running).</summary>
    public (DomainSnapshot Domain, double? CpuTimeSeconds) Info(string key)
    {
        var s = registry.Get(key);
        return (s, s.Pid is { } pid ? ProcStat.CpuSeconds(pid) : null);
    }

    /// <summary>vCPU -> host thread, the threads 'pstree -p' shows under the QEMU process.</summary>
    public async Task<IReadOnlyList<VcpuThread>> VcpusAsync(string key)
    {
        var e = registry.Lookup(key);
        Qemu.Launch.QemuInstance? i;
        lock (e) i = e.Instance;
        if (i is null) throw DomainOperation.NotRunning(e.Name);
        var cpus = await i.Qmp.QueryCpusFastAsync();
        return cpus.Select(c =>
        {
            var (cpu, seconds, state) = ProcStat.Thread(i.Pid, c.ThreadId);
            return new VcpuThread(c.Index, cpu, state, seconds, c.ThreadId, ProcStat.Affinity(i.Pid, c.ThreadId));
        }).ToList();
    }

    /// <summary>The command line QEMU would be started with for this XML, as one shell line.</summary>
    public string NativeArgv(string xml)
    {
        var def = DomainDefinition.Parse(xml);
        DomainDefaults.Apply(def);
        // NICs vireod plugs over QMP are shown as what they amount to, after the command line QEMU starts with.
        return QemuArgv.ToShell([.. QemuArgv.Build(def, paths.Qemu(def.Name), host), .. QemuArgv.HandedOverNics(def)]);
    }

    /// <summary>Passes a raw QMP command (JSON) or an HMP command line to QEMU, like 'virsh qemu-monitor-command'.</summary>
    public async Task<string> MonitorCommandAsync(string key, string command, bool hmp)
    {
        var e = registry.Lookup(key);
        Qemu.Launch.QemuInstance? i;
        lock (e) i = e.Instance;
        if (i is null) throw DomainOperation.NotRunning(e.Name);
        try
        {
            if (hmp) return await i.Qmp.HumanMonitorCommandAsync(command);
            JsonObject request;
            try { request = JsonNode.Parse(command) as JsonObject ?? throw new FormatException("not a JSON object"); }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException)
            {
                throw new VireoException(ErrorCode.InvalidArgument, $"invalid QMP command (expected JSON like {{\"execute\":\"query-status\"}}): {ex.Message}");
            }
            var execute = (string?)request["execute"] ?? throw new VireoException(ErrorCode.InvalidArgument, "QMP command has no \"execute\" member");
            var args = request["arguments"]?.DeepClone() as JsonObject;
            var result = await i.Qmp.ExecuteRawAsync(execute, args);
            return new JsonObject { ["return"] = result?.DeepClone() ?? new JsonObject() }.ToJsonString();
        }
        catch (QmpErrorException q)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"internal error: unable to execute QEMU command '{q.Command}': {q.Description}");
        }
    }
}
