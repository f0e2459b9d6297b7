using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Network;

namespace Vireo.Daemon.Networks;

public sealed partial class NetworkService
{
    /// <summary>How often running networks are checked for a dnsmasq that died.</summary>
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    private Timer? _watch;

    private const string DefaultNetwork = """
        <network>
          <name>default</name>
          <forward mode='nat'/>
          <bridge name='virbr0' stp='on' delay='0'/>
          <ip address='192.168.122.1' netmask='255.255.255.0'>
            <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
          </ip>
        </network>
        """;

    /// <summary>Loads the definitions, makes libvirt's default network on the first start, adopts running networks, starts autostart ones.</summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        _store.CreateDirectories();
        foreach (var def in _store.LoadAll(message => Log.BadDefinition(logger, message)))
            _nets[def.Name] = new NetworkEntry(def, persistent: true);
        if (_store.TakeFirstStart() && !options.NoDefaultNetwork && !_nets.ContainsKey("default"))
        {
            // A host that already routes 192.168.122.0/24 (vireod inside a libvirt guest) gets no default network, and says why.
            try
            {
                await DefineAsync(DefaultNetwork, ct);
                SetAutostart("default", true);
            }
            catch (VireoException ex) { Log.DefaultNetworkFailed(logger, ex.Message); }
        }
        await AdoptRunningAsync(ct);
        foreach (var e in _nets.Values.Where(e => e.Live is null && _store.IsAutostart(e.Name)).ToList())
        {
            try { await StartAsync(e.Name, ct); }
            catch (VireoException ex) { Log.AutostartFailed(logger, e.Name, ex.Message); }
        }
        _watch = new Timer(_ => _ = ReviveAllAsync(), null, WatchInterval, WatchInterval);
    }

    /// <summary>A network whose live file says it runs is taken over; one whose bridge went away while vireod was down is not running.</summary>
    private async Task AdoptRunningAsync(CancellationToken ct)
    {
        foreach (var (key, text) in _store.LoadLive())
        {
            NetworkDefinition live;
            try
            {
                live = NetworkDefinition.Parse(text);
                if (live.Name != key) throw new VireoException(ErrorCode.XmlValidation, $"it describes network '{live.Name}'");
            }
            catch (VireoException ex)
            {
                Log.DamagedLiveState(logger, key, ex.Message);
                _store.DeleteLive(key);
                continue;
            }
            var e = _nets.GetOrAdd(live.Name, _ => new NetworkEntry(live, persistent: false));
            e.Live = live;
            bool running;
            // Only a backend's failure to restart something (dnsmasq) lands here: the network stays, and the watch tries again.
            try { running = await backends.For(live).AdoptAsync(live, ct); }
            catch (VireoException ex)
            {
                Log.AdoptedWithProblem(logger, live.Name, ex.Message);
                running = true;
            }
            if (running)
            {
                Log.Adopted(logger, live.Name);
                continue;
            }
            Log.GoneWhileAway(logger, live.Name);
            e.Live = null;
            _store.DeleteLive(key);
            if (!e.Persistent) _nets.TryRemove(key, out _);
        }
    }

    /// <summary>A network's dnsmasq that exited (crash, OOM, kill) is started again, like libvirt does on its next check.</summary>
    private async Task ReviveAllAsync()
    {
        foreach (var e in _nets.Values)
        {
            if (!e.OpLock.Wait(0)) continue;
            try
            {
                if (e.Live is { } live && backends.CapabilitiesOf(live).HasFlag(NetworkCapabilities.DhcpDns)
                    && await backends.For(live).ReviveAsync(live, CancellationToken.None))
                    Log.DnsmasqRevived(logger, live.Name);
            }
            catch (Exception ex) { Log.DnsmasqReviveFailed(logger, e.Name, ex.Message); }
            finally { e.OpLock.Release(); }
        }
    }

    private IReadOnlyList<NetworkDefinition> ActiveExcept(string name) =>
        _nets.Values.Where(n => n.Live is not null && n.Name != name).Select(n => n.Live!).ToList();

    /// <summary>net-start: the backend brings the network up; its live definition is kept for a restarted vireod.</summary>
    public async Task<NetworkSnapshot> StartAsync(string key, CancellationToken ct)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync(ct);
        try
        {
            if (e.Live is not null) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Name}' is already active");
            var def = e.Definition.Clone();
            var backend = backends.For(def);
            await using var undo = Log.Undo(logger, def.Name);
            await backend.StartAsync(def, ActiveExcept(def.Name), ct);
            undo.Add($"network {def.Name}", () => backend.StopAsync(def, ActiveExcept(def.Name), CancellationToken.None));
            _store.SaveLive(def.Name, def.ToXml());
            e.Live = def;
            undo.Commit();
            Log.Started(logger, def.Name, backend.Type,
                backend.Capabilities.HasFlag(NetworkCapabilities.GuestVfs) ? ": virtual functions " + string.Join(", ", backend.PlugOf(def).HostdevVfs) : "");
            return Snapshot(e);
        }
        finally { e.OpLock.Release(); }
    }

    /// <summary>net-destroy: the backend takes the network down; a transient one is gone.</summary>
    public async Task<NetworkSnapshot> DestroyAsync(string key, CancellationToken ct)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync(ct);
        try
        {
            var live = e.Live ?? throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Name}' is not active");
            await backends.For(live).StopAsync(live, ActiveExcept(e.Name), ct);
            e.Live = null;
            _store.DeleteLive(e.Name);
            Log.Stopped(logger, e.Name);
            var s = Snapshot(e);
            if (!e.Persistent) _nets.TryRemove(e.Name, out _);
            return s;
        }
        finally { e.OpLock.Release(); }
    }

    /// <summary>What guest NICs of type network join; throws naming the network when it is not active.</summary>
    public NetworkPlug PlugOf(string key)
    {
        var e = Lookup(key);
        var live = e.Live ?? throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Name}' is not active");
        return backends.For(live).PlugOf(live);
    }

    public void Dispose() => _watch?.Dispose();
}
