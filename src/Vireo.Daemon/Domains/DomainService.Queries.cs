using Vireo.Qemu.Launch;
using System.Text.Json.Nodes;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains;

public sealed partial class DomainService
{
    /// <summary>vCPU -> host thread, the threads 'pstree -p' shows under the QEMU process.</summary>
    public async Task<IReadOnlyList<VcpuInfo>> VcpusAsync(string key)
    {
        var e = Lookup(key);
        QemuInstance? i;
        lock (e) i = e.Instance;
        if (i is null) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
        var cpus = await i.Qmp.QueryCpusFastAsync();
        return cpus.Select(c =>
        {
            var (cpu, seconds, state) = ProcStat.Thread(i.Pid, c.ThreadId);
            return new VcpuInfo
            {
                Vcpu = c.Index, Cpu = cpu, State = state, CpuTimeSeconds = seconds, ThreadId = c.ThreadId,
                Affinity = ProcStat.Affinity(i.Pid, c.ThreadId),
            };
        }).ToList();
    }

    /// <summary>The command line QEMU would be started with for this XML, as one shell line.</summary>
    public string NativeArgv(string xml)
    {
        var def = Core.Domain.DomainDefinition.Parse(xml);
        Core.Domain.DomainDefaults.Apply(def);
        // NICs vireod plugs over QMP are shown as what they amount to, after the command line QEMU starts with.
        return Qemu.Argv.QemuArgv.ToShell([.. Qemu.Argv.QemuArgv.Build(def, paths.Qemu(def.Name), host), .. Qemu.Argv.QemuArgv.HandedOverNics(def)]);
    }

    /// <summary>Passes a raw QMP command (JSON) or an HMP command line to QEMU, like 'virsh qemu-monitor-command'.</summary>
    public async Task<string> MonitorCommandAsync(string key, string command, bool hmp)
    {
        var e = Lookup(key);
        QemuInstance? i;
        lock (e) i = e.Instance;
        if (i is null) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
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
            var result = await i.Qmp.ExecuteAsync(execute, args);
            return new JsonObject { ["return"] = result?.DeepClone() ?? new JsonObject() }.ToJsonString();
        }
        catch (QmpErrorException q)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"internal error: unable to execute QEMU command '{q.Command}': {q.Description}");
        }
    }

    /// <summary>Running domains with a disk on <paramref name="path"/> (storage refuses to delete or wipe it under them).</summary>
    public IReadOnlyList<string> RunningDomainsUsing(string path)
    {
        var full = Path.GetFullPath(path);
        var users = new List<string>();
        foreach (var e in _domains.Values)
        {
            Vireo.Core.Domain.DomainDefinition? live;
            lock (e) live = e.Instance is null ? null : e.Live;
            if (live is not null && live.Disks.Any(d => (d.Source?.File ?? d.Source?.Dev) is { } p && Path.GetFullPath(p) == full)) users.Add(e.Name);
        }
        return users;
    }

    /// <summary>Every domain, running or only defined, with a disk on <paramref name="path"/> (vireo install's path_in_use check).</summary>
    public IReadOnlyList<string> DomainsWithDisk(string path)
    {
        var full = Path.GetFullPath(path);
        bool Has(Vireo.Core.Domain.DomainDefinition? d) => d?.Disks.Any(x => (x.Source?.File ?? x.Source?.Dev) is { } p && Path.GetFullPath(p) == full) == true;
        return _domains.Values.Where(e => { lock (e) return Has(e.Live) || Has(e.Persistent); }).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
    }
}
