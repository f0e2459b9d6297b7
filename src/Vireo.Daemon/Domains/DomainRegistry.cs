using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Domains;

/// <summary>
/// The table of domains: lookup by id, uuid or name, ids, snapshots for reads, and the persistent
/// definitions (define, undefine, autostart). Each domain's <see cref="DomainEntry"/> carries its
/// operation lock; the table lock only guards adding and removing names.
/// </summary>
public sealed partial class DomainRegistry(DomainStore store, DomainEvents events, Disks.HostPathCheck pathCheck, ILogger<DomainRegistry> logger) : IDiskUsers
{
    private readonly ConcurrentDictionary<string, DomainEntry> _domains = new();
    private readonly SemaphoreSlim _tableLock = new(1, 1);
    private int _lastId;

    internal IEnumerable<DomainEntry> Entries => _domains.Values;

    /// <summary>The state reason of a running domain whose QEMU monitor does not answer (virsh shows it after the state).</summary>
    internal const string MonitorNotAnswering = "monitor not answering";

    /// <summary>Loads the persistent definitions; hand-edited files that would clash are left out and logged.</summary>
    internal void Load()
    {
        foreach (var def in store.Definitions.LoadAll(message => Log.BadDefinition(logger, message)))
            _domains[def.Name] = new DomainEntry(def);
    }

    /// <summary>
    /// virsh's order (virshLookupDomainBy): a number is a running domain's id, then a uuid, then a name. A
    /// domain named "5" or named like another's uuid is still found by its name once those miss.
    /// </summary>
    internal DomainEntry Lookup(string key)
    {
        if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
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

    internal bool TryGetEntry(string name, out DomainEntry entry) => _domains.TryGetValue(name, out entry!);

    internal int NextId() => Interlocked.Increment(ref _lastId);

    /// <summary>Ids survive a vireod restart: a reconnected domain keeps its own, new ones come after.</summary>
    internal void NoteId(int id)
    {
        int current;
        while ((current = Volatile.Read(ref _lastId)) < id && Interlocked.CompareExchange(ref _lastId, id, current) != current) { }
    }

    /// <summary>Drops a transient domain that stopped (or never started).</summary>
    internal void RemoveTransient(DomainEntry e)
    {
        lock (e)
            if (e.Persistent is not null || e.IsActive) return;
        _domains.TryRemove(new KeyValuePair<string, DomainEntry>(e.Name, e));
    }

    internal DomainEntry AddTransientForRecovery(string name) => _domains.GetOrAdd(name, _ => new DomainEntry(null));

    public IReadOnlyList<DomainSnapshot> List() =>
        _domains.Values.Select(Snapshot).OrderBy(s => s.Id ?? int.MaxValue).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();

    public DomainSnapshot Get(string key) => Snapshot(Lookup(key));

    public DomainSnapshot? TryGet(string name) => _domains.TryGetValue(name, out var e) ? Snapshot(e) : null;

    internal DomainSnapshot Snapshot(DomainEntry e)
    {
        lock (e)
        {
            var d = e.Current;
            var running = e.IsActive || e.UnansweredPid is not null;
            // A QEMU whose monitor stopped answering still runs; its state says why requests to it fail.
            var reason = e.Instance is { Qmp.IsAnswering: false } ? MonitorNotAnswering : e.Reason;
            return new DomainSnapshot(running ? e.Id : null, d.Name, d.Uuid, e.State, reason, e.Persistent is not null,
                e.Persistent is not null && store.Definitions.IsAutostart(d.Name), d.Title, d.Os.Type, d.VcpusCurrent, d.MemoryKiB,
                d.CurrentMemoryKiB, e.Instance?.Pid ?? e.UnansweredPid);
        }
    }

    /// <summary>The domain XML; without <paramref name="secure"/> graphics passwords are left out, as libvirt does.</summary>
    public string GetXml(string key, bool inactive, bool secure = true)
    {
        var e = Lookup(key);
        lock (e)
        {
            var def = inactive && e.Persistent is not null ? e.Persistent : e.Current;
            return secure ? def.ToXml() : DomainXmlSecurity.WithoutSecrets(def.Xml);
        }
    }

    public void SetAutostart(string key, bool enabled)
    {
        var e = Lookup(key);
        if (e.Persistent is null)
            throw VireoException.Invalid($"Requested operation is not valid: cannot set autostart for transient domain '{e.Name}'");
        store.Definitions.SetAutostart(e.Name, enabled);
    }

    internal bool IsAutostart(string name) => store.Definitions.IsAutostart(name);

    /// <summary>A new persistent definition of a known domain (a --config device change), saved then swapped in.</summary>
    internal void SavePersistent(DomainEntry e, DomainDefinition def)
    {
        DomainDefaults.Apply(def);
        store.Definitions.Save(def);
        lock (e) e.Persistent = def;
    }

    /// <summary>Running domains with a disk on <paramref name="path"/> (storage refuses to delete or wipe it under them).</summary>
    public IReadOnlyList<string> RunningDomainsUsing(string path) =>
        Users(path, e => e.Instance is null ? [] : [e.Live]);

    /// <summary>Every domain, running or only defined, with a disk on <paramref name="path"/> (vireo install's path_in_use check).</summary>
    public IReadOnlyList<string> DomainsWithDisk(string path) => Users(path, e => [e.Live, e.Persistent]);

    private IReadOnlyList<string> Users(string path, Func<DomainEntry, DomainDefinition?[]> definitions)
    {
        var full = Path.GetFullPath(path);
        bool Has(DomainDefinition? d) => d?.Disks.Any(x => (x.Source?.File ?? x.Source?.Dev) is { } p && Path.GetFullPath(p) == full) == true;
        return _domains.Values.Where(e => { lock (e) return definitions(e).Any(Has); }).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
    }
}
