using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Daemon.Events;
using Vireo.Daemon.State;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Owns every domain: definitions, lifecycle, persistence and events. Endpoints call it;
/// it calls the QEMU driver. Nothing here knows about HTTP.
/// </summary>
public sealed partial class DomainService(VireoPaths paths, DomainStore store, QemuLauncher launcher,
    QemuHostOptions host, EventBus events, Resources.HostResources resources, ILogger<DomainService> logger, Hosting.DaemonOptions? options = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DomainEntry> _domains = new();
    private readonly SemaphoreSlim _tableLock = new(1, 1);
    private int _lastId;

    /// <summary>How long 'destroy' waits after SIGTERM before SIGKILL.</summary>
    public TimeSpan DestroyGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// virsh's order (virshLookupDomainBy): a number is a running domain's id, then a uuid, then a name. A
    /// domain named "5" or named like another's uuid is still found by its name once those miss.
    /// </summary>
    private DomainEntry Lookup(string key)
    {
        if (int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            foreach (var e in _domains.Values)
                lock (e)
                    if (e.IsActive && e.Id == id) return e;
        if (Guid.TryParseExact(key, "D", out var uuid) || Guid.TryParseExact(key, "N", out uuid))
            foreach (var e in _domains.Values)
                lock (e)
                    if (e.Current.Uuid == uuid) return e;
        if (_domains.TryGetValue(key, out var byName)) return byName;
        throw VireoException.NoDomain(key);
    }

    public IReadOnlyList<DomainSummary> List() =>
        _domains.Values.Select(Summary).OrderBy(s => s.Id ?? int.MaxValue).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();

    private DomainSummary Summary(DomainEntry e)
    {
        lock (e)
        {
            var d = e.Current;
            return new DomainSummary
            {
                Id = e.IsActive ? e.Id : null,
                Name = d.Name,
                Uuid = d.Uuid.ToString(),
                State = DomainStateText.Of(e.State),
                Reason = e.Reason,
                Persistent = e.Persistent is not null,
                Autostart = e.Persistent is not null && store.IsAutostart(d.Name),
                Title = d.Title,
            };
        }
    }

    public DomainSummary Get(string key) => Summary(Lookup(key));

    public DomainSummary? TryGet(string name) => _domains.TryGetValue(name, out var e) ? Summary(e) : null;

    public DomainInfo Info(string key)
    {
        var e = Lookup(key);
        lock (e)
        {
            var d = e.Current;
            return new DomainInfo
            {
                Id = e.IsActive ? e.Id : null,
                Name = d.Name,
                Uuid = d.Uuid.ToString(),
                OsType = d.Os.Type,
                State = DomainStateText.Of(e.State),
                Reason = e.Reason,
                Vcpus = d.VcpusCurrent,
                CpuTimeSeconds = e.Instance is { } i ? ProcStat.CpuSeconds(i.Pid) : null,
                MaxMemoryKiB = d.MemoryKiB,
                UsedMemoryKiB = d.CurrentMemoryKiB,
                Persistent = e.Persistent is not null,
                Autostart = e.Persistent is not null && store.IsAutostart(d.Name),
                Pid = e.Instance?.Pid,
                Title = d.Title,
            };
        }
    }

    /// <summary>The domain XML; without <paramref name="secure"/> graphics passwords are left out, as libvirt does.</summary>
    public string GetXml(string key, bool inactive, bool secure = true)
    {
        var e = Lookup(key);
        lock (e)
        {
            var def = inactive && e.Persistent is not null ? e.Persistent : e.Current;
            return secure ? def.ToXml() : Vireo.Core.Domain.DomainXmlSecurity.WithoutSecrets(def.Xml);
        }
    }

    public string ConsoleSocket(string key, out string name)
    {
        var e = Lookup(key);
        lock (e)
        {
            name = e.Name;
            if (!e.IsActive) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
            var hasSerial = e.Current.Serials.Count > 0 || e.Current.Consoles.Count > 0;
            if (!hasSerial) throw new VireoException(ErrorCode.OperationFailed, $"domain '{e.Name}' has no serial console (add <serial type='pty'/>)");
            return paths.Qemu(e.Name).SerialSocket(0);
        }
    }

    /// <summary>
    /// Claims the single console session of a domain; dispose the result to release it. With
    /// <paramref name="force"/> (virsh console --force) a session already open is ended first.
    /// </summary>
    internal async Task<ConsoleClaim> ClaimConsoleAsync(string key, bool force)
    {
        var e = Lookup(key);
        while (true)
        {
            ConsoleClaim current;
            lock (e)
            {
                if (e.Console is null) return e.Console = new ConsoleClaim(e);
                current = e.Console;
            }
            if (!force) throw new VireoException(ErrorCode.OperationFailed, $"operation failed: Active console session exists for domain '{e.Name}'");
            current.Evict();
            await current.Released.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private void Publish(DomainEntry e, string ev, string detail)
    {
        var d = e.Current;
        events.Publish(new DomainEvent { Domain = d.Name, Uuid = d.Uuid.ToString(), Type = "lifecycle", Event = ev, Detail = detail, Time = DateTimeOffset.UtcNow });
    }

    /// <summary>Appends a timestamped lifecycle line to the domain log, a file only root (and the log group) may read.</summary>
    private void DomainLog(string name, string line)
    {
        try
        {
            Directory.CreateDirectory(paths.LogDir);
            launcher.LogFiles.Append(paths.Qemu(name).DomainLog, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff}+0000: {line}\n");
        }
        catch (IOException ex)
        {
            Log.DomainLogFailed(logger, name, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // vireod going away never stops a VM: only drop the QMP connections.
        foreach (var e in _domains.Values)
            if (e.Instance is { } i) await i.DisposeAsync();
    }
}
