using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Daemon.Hosting;
using Vireo.Daemon.State;
using Vireo.Network;

namespace Vireo.Daemon.Networks;

/// <summary>
/// Virtual networks: definitions, autostart marks and each running network's live definition in a
/// <see cref="DefinitionStore{T}"/> (ROOT/etc/vireo/networks, ROOT/run/vireo/network), so a restarted
/// vireod adopts what runs instead of starting it again. What a network does on the host is its
/// backend's (<see cref="NetworkBackends"/>); this keeps the table, the locks and the files.
/// </summary>
public sealed partial class NetworkService(VireoPaths paths, NetworkBackends backends, DaemonOptions options, ILogger<NetworkService> logger)
    : Domains.INetworkPlugs, IDisposable
{
    private readonly ConcurrentDictionary<string, NetworkEntry> _nets = new();
    private readonly object _defineLock = new();

    private readonly DefinitionStore<NetworkDefinition> _store = new(
        new DefinitionKind<NetworkDefinition>("network", NetworkDefinition.Parse, d => d.Name, d => d.Uuid, d => d.ToXml()),
        paths.NetworkConfigDir, Path.Combine(paths.AutostartDir, "network"), Path.Combine(paths.RunDir, "network"));

    private NetworkEntry Lookup(string key)
    {
        // virsh's order: a uuid first, then a name (a network may be named like another's uuid).
        if (Guid.TryParseExact(key, "D", out var u) && _nets.Values.FirstOrDefault(n => n.Definition.Uuid == u) is { } byUuid) return byUuid;
        if (_nets.TryGetValue(key, out var e)) return e;
        throw new VireoException(ErrorCode.NoNetwork, $"Network not found: no network with matching name '{key}'");
    }

    private NetworkSnapshot Snapshot(NetworkEntry e) => new(e.Name, e.Definition.Uuid, e.Live is not null, e.Persistent,
        _store.IsAutostart(e.Name), (e.Live ?? e.Definition).BridgeName, e.Definition.ForwardMode ?? "isolated");

    public IReadOnlyList<NetworkSnapshot> List() => _nets.Values.OrderBy(e => e.Name, StringComparer.Ordinal).Select(Snapshot).ToList();

    public NetworkSnapshot Get(string key) => Snapshot(Lookup(key));

    /// <summary>net-dumpxml: the running definition, or (<paramref name="inactive"/>, or not running) the persistent one.</summary>
    public NetworkDefinition GetDefinition(string key, bool inactive)
    {
        var e = Lookup(key);
        return inactive ? e.Definition : e.Live ?? e.Definition;
    }

    /// <summary>net-define: a new network, or a new definition of a known one (same uuid, or none given).</summary>
    public async Task<NetworkSnapshot> DefineAsync(string xml, CancellationToken ct) => Snapshot(await DefineCoreAsync(xml, persistent: true, ct));

    private async Task<NetworkEntry> DefineCoreAsync(string xml, bool persistent, CancellationToken ct)
    {
        var def = NetworkDefinition.Parse(xml);
        var ownBridge = backends.CapabilitiesOf(def).HasFlag(NetworkCapabilities.OwnBridge);
        var links = await backends.Host.LinksAsync(ct);
        var routes = ownBridge ? await backends.Host.RoutesAsync(_nets.Values.Select(n => (n.Live ?? n.Definition).BridgeName ?? ""), ct) : [];
        lock (_defineLock)
        {
            _nets.TryGetValue(def.Name, out var existing);
            if (existing is not null && def.Xml.Element("uuid") is not null && existing.Definition.Uuid != def.Uuid)
                throw new VireoException(ErrorCode.OperationFailed, $"network '{def.Name}' already exists with uuid {existing.Definition.Uuid}");
            if (def.Xml.Element("uuid") is not null && _nets.Values.FirstOrDefault(n => n.Definition.Uuid == def.Uuid && n.Name != def.Name) is { } clash)
                throw new VireoException(ErrorCode.OperationFailed, $"operation failed: network '{clash.Name}' is already defined with uuid {def.Uuid}");
            if (existing is not null && def.Xml.Element("uuid") is null)
                def.Xml.Element("name")!.AddAfterSelf(new System.Xml.Linq.XElement("uuid", existing.Definition.Uuid.ToString()));
            var others = _nets.Values.Where(n => n.Name != def.Name).Select(n => n.Live ?? n.Definition).ToList();
            def.ApplyDefaults(i => others.Any(o => o.BridgeName == $"virbr{i}") || links.Contains($"virbr{i}"));
            NetworkConflicts.Check(def, ownBridge, others, links, routes, existing?.Live?.BridgeName);
            if (persistent)
            {
                _store.Save(def);
                Log.Defined(logger, def.Name, def.Uuid);
            }
            if (existing is not null) { existing.Definition = def; existing.Persistent |= persistent; return existing; }
            var e = new NetworkEntry(def, persistent);
            _nets[def.Name] = e;
            return e;
        }
    }

    /// <summary>net-create: a transient network, started; it is gone again if it does not start.</summary>
    public async Task<NetworkSnapshot> CreateAsync(string xml, CancellationToken ct)
    {
        var e = await DefineCoreAsync(xml, persistent: false, ct);
        try { return await StartAsync(e.Name, ct); }
        catch { _nets.TryRemove(e.Name, out _); throw; }
    }

    /// <summary>net-undefine: a running network stays, transient, until it stops.</summary>
    public void Undefine(string key)
    {
        var e = Lookup(key);
        if (!e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Name}' is transient");
        _store.Delete(e.Name);
        if (e.Live is null) _nets.TryRemove(e.Name, out _);
        else e.Persistent = false;
        Log.Undefined(logger, e.Name);
    }

    public void SetAutostart(string key, bool enabled)
    {
        var e = Lookup(key);
        if (!e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"cannot set autostart for transient network '{e.Name}'");
        _store.SetAutostart(e.Name, enabled);
    }
}
