using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Daemon.Hosting;
using Vireo.Daemon.State;
using Vireo.Host.Files;
using Vireo.Network.Bridge;

namespace Vireo.Daemon.Networks;

/// <summary>
/// Virtual networks: definitions in ROOT/etc/vireo/networks, autostart marks, and a running
/// network's live definition in ROOT/run/vireo/network/NAME.xml so a restarted vireod adopts its
/// bridge and dnsmasq instead of starting them again.
/// </summary>
public sealed class NetworkService(VireoPaths paths, BridgeNetworkDriver driver, Vireo.Network.Ports.GuestPorts ports, DaemonOptions options,
    ILogger<NetworkService> logger) : Domains.INetworkPlugs
{
    private sealed class Entry(NetworkDefinition def, bool persistent)
    {
        public NetworkDefinition Definition { get; set; } = def;
        public bool Persistent { get; set; } = persistent;
        public NetworkDefinition? Live { get; set; }
        public SemaphoreSlim OpLock { get; } = new(1, 1);
    }

    private readonly ConcurrentDictionary<string, Entry> _nets = new();
    private readonly object _defineLock = new();

    private string ConfigPath(string name) => Path.Combine(paths.NetworkConfigDir, name + ".xml");
    private string AutostartPath(string name) => Path.Combine(paths.AutostartDir, "network", name);
    private string LivePath(string name) => Path.Combine(paths.RunDir, "network", name + ".xml");

    private Timer? _watch;

    /// <summary>How often running networks are checked for a dnsmasq that died.</summary>
    public static TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(2);

    public async Task InitializeAsync(CancellationToken ct)
    {
        await InitializeCoreAsync(ct);
        _watch = new Timer(_ => _ = RestartDeadDnsmasqAsync(), null, WatchInterval, WatchInterval);
    }

    /// <summary>A network's dnsmasq that exited (crash, OOM, kill) is started again, like libvirt does on its next check.</summary>
    private async Task RestartDeadDnsmasqAsync()
    {
        foreach (var e in _nets.Values)
        {
            if (!e.OpLock.Wait(0)) continue;
            try
            {
                if (e.Live is { } live && BridgeNetworkDriver.NeedsDnsmasq(live) && driver.DnsmasqPid(live.Name) is null)
                {
                    logger.LogWarning("dnsmasq of network {Name} exited; starting it again", live.Name);
                    await driver.StartDnsmasqAsync(live, CancellationToken.None);
                }
            }
            catch (Exception ex) { logger.LogError("restarting dnsmasq of network {Name} failed: {Message}", e.Definition.Name, ex.Message); }
            finally { e.OpLock.Release(); }
        }
    }

    private async Task InitializeCoreAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(paths.AutostartDir, "network"));
        Directory.CreateDirectory(Path.Combine(paths.RunDir, "network"));
        foreach (var def in DefinitionFiles.Load(paths.NetworkConfigDir, NetworkDefinition.Parse, d => d.Name, d => d.Uuid, "network",
                     message => logger.LogError("Definition refused: {Message}", message)))
            _nets[def.Name] = new Entry(def, persistent: true);
        var marker = Path.Combine(paths.NetworkConfigDir, ".initialized");
        if (!File.Exists(marker))
        {
            if (!options.NoDefaultNetwork && !_nets.ContainsKey("default"))
            {
                // libvirt's default network, defined (and autostarted) on the first start.
                await DefineAsync("""
                    <network>
                      <name>default</name>
                      <forward mode='nat'/>
                      <bridge name='virbr0' stp='on' delay='0'/>
                      <ip address='192.168.122.1' netmask='255.255.255.0'>
                        <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
                      </ip>
                    </network>
                    """, ct);
                SetAutostart("default", true);
            }
            AtomicFile.WriteAllText(marker, "");
        }
        // Running networks are adopted (their dnsmasq restarted if it died); autostart ones started.
        var runFiles = Directory.GetFiles(Path.Combine(paths.RunDir, "network"), "*.xml");
        var links = runFiles.Length > 0 ? await driver.LinksAsync(ct) : [];
        foreach (var f in runFiles)
        {
            NetworkDefinition live;
            try { live = NetworkDefinition.Parse(File.ReadAllText(f)); }
            catch (VireoException ex)
            {
                logger.LogError("Running network state {File} is damaged and was dropped: {Message}", f, ex.Message);
                File.Delete(f);
                continue;
            }
            var e = _nets.GetOrAdd(live.Name, _ => new Entry(live, persistent: false));
            e.Live = live;
            // A network whose bridge went away while vireod was down is no longer running; an OVS bridge is OVS's to keep.
            if (live.BridgeName is null || links.Contains(live.BridgeName) || live.VirtualPortType is not null)
            {
                if (BridgeNetworkDriver.NeedsDnsmasq(live) && driver.DnsmasqPid(live.Name) is null)
                {
                    logger.LogWarning("dnsmasq of network {Name} was not running; starting it again", live.Name);
                    await driver.StartDnsmasqAsync(live, ct);
                }
            }
            else { e.Live = null; File.Delete(f); }
        }
        foreach (var e in _nets.Values.Where(e => e.Live is null && File.Exists(AutostartPath(e.Definition.Name))).ToList())
        {
            try { await StartAsync(e.Definition.Name, ct); }
            catch (VireoException ex) { logger.LogError("network {Name} could not be started: {Message}", e.Definition.Name, ex.Message); }
        }
    }

    private Entry Lookup(string key)
    {
        // virsh's order: a uuid first, then a name (a network may be named like another's uuid).
        if (Guid.TryParseExact(key, "D", out var u) && _nets.Values.FirstOrDefault(n => n.Definition.Uuid == u) is { } byUuid) return byUuid;
        if (_nets.TryGetValue(key, out var e)) return e;
        throw new VireoException(ErrorCode.NoNetwork, $"Network not found: no network with matching name '{key}'");
    }

    private NetworkSummary Summary(Entry e) => new()
    {
        Name = e.Definition.Name, Uuid = e.Definition.Uuid.ToString(), Active = e.Live is not null, Persistent = e.Persistent,
        Autostart = File.Exists(AutostartPath(e.Definition.Name)), Bridge = (e.Live ?? e.Definition).BridgeName,
        ForwardMode = e.Definition.ForwardMode ?? "isolated",
    };

    public List<NetworkSummary> List() => _nets.Values.OrderBy(e => e.Definition.Name, StringComparer.Ordinal).Select(Summary).ToList();
    public NetworkSummary Get(string key) => Summary(Lookup(key));
    public string GetXml(string key, bool inactive) { var e = Lookup(key); return (inactive ? e.Definition : e.Live ?? e.Definition).ToXml(); }

    public async Task<NetworkSummary> DefineAsync(string xml, CancellationToken ct) => Summary(await DefineCoreAsync(xml, persistent: true, ct));

    private async Task<Entry> DefineCoreAsync(string xml, bool persistent, CancellationToken ct)
    {
        var def = NetworkDefinition.Parse(xml);
        var links = await driver.LinksAsync(ct);
        var routes = def.HasOwnBridge ? await driver.HostRoutesAsync(_nets.Values.Select(n => (n.Live ?? n.Definition).BridgeName ?? ""), ct) : [];
        lock (_defineLock)
        {
            _nets.TryGetValue(def.Name, out var existing);
            if (existing is not null && def.Xml.Element("uuid") is not null && existing.Definition.Uuid != def.Uuid)
                throw new VireoException(ErrorCode.OperationFailed, $"network '{def.Name}' already exists with uuid {existing.Definition.Uuid}");
            if (def.Xml.Element("uuid") is not null && _nets.Values.FirstOrDefault(n => n.Definition.Uuid == def.Uuid && n.Definition.Name != def.Name) is { } clash)
                throw new VireoException(ErrorCode.OperationFailed, $"operation failed: network '{clash.Definition.Name}' is already defined with uuid {def.Uuid}");
            if (existing is not null && def.Xml.Element("uuid") is null)
                def.Xml.Element("name")!.AddAfterSelf(new System.Xml.Linq.XElement("uuid", existing.Definition.Uuid.ToString()));
            var others = _nets.Values.Where(n => n.Definition.Name != def.Name).Select(n => n.Live ?? n.Definition).ToList();
            def.ApplyDefaults(i => others.Any(o => o.BridgeName == $"virbr{i}") || links.Contains($"virbr{i}"));
            NetworkChecks.Check(def, others, links, routes, existing?.Live?.BridgeName);
            if (persistent) AtomicFile.WriteAllText(ConfigPath(def.Name), def.ToXml(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (existing is not null) { existing.Definition = def; existing.Persistent |= persistent; return existing; }
            var e = new Entry(def, persistent);
            _nets[def.Name] = e;
            return e;
        }
    }

    public async Task<NetworkSummary> CreateAsync(string xml, CancellationToken ct)
    {
        var e = await DefineCoreAsync(xml, persistent: false, ct);
        try { return await StartAsync(e.Definition.Name, ct); }
        catch { _nets.TryRemove(e.Definition.Name, out _); throw; }
    }

    private IReadOnlyList<NetworkDefinition> ActiveExcept(string name) =>
        _nets.Values.Where(n => n.Live is not null && n.Definition.Name != name).Select(n => n.Live!).ToList();

    public async Task<NetworkSummary> StartAsync(string key, CancellationToken ct)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync(ct);
        try
        {
            if (e.Live is not null) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Definition.Name}' is already active");
            var def = e.Definition.Clone();
            if (def.MacvtapMode is not null) await CheckMacvtapPoolAsync(def, ct);
            else if (def.ForwardMode == "bridge" && def.BridgeName is { } hostBridge)
                await CheckHostBridgeAsync(def, hostBridge, ct);
            else if (def.ForwardMode == "hostdev")
            {
                var vfs = new Vireo.Network.Sriov.VfPool().Discover(def);
                logger.LogInformation("network {Name}: {Count} virtual functions: {Vfs}", def.Name, vfs.Count, string.Join(", ", vfs));
            }
            else await driver.StartAsync(def, ActiveExcept(def.Name), ct);
            e.Live = def;
            AtomicFile.WriteAllText(LivePath(def.Name), def.ToXml());
            return Summary(e);
        }
        finally { e.OpLock.Release(); }
    }

    /// <summary>A host bridge someone else runs (Linux or Open vSwitch): Vireo only checks it is there; NICs join it.</summary>
    private async Task CheckHostBridgeAsync(NetworkDefinition def, string bridge, CancellationToken ct)
    {
        switch (def.VirtualPortType)
        {
            case null:
                if (!(await driver.LinksAsync(ct)).Contains(bridge))
                    throw new VireoException(ErrorCode.OperationFailed, $"network '{def.Name}': host bridge '{bridge}' does not exist");
                break;
            case "openvswitch":
                if (!await ports.OvsBridgeExistsAsync(bridge, ct))
                    throw new VireoException(ErrorCode.OperationFailed, $"network '{def.Name}': Open vSwitch bridge '{bridge}' does not exist (create it with 'ovs-vsctl add-br {bridge}')");
                break;
            default:
                throw new VireoException(ErrorCode.NotSupported, $"network '{def.Name}': virtualport type '{def.VirtualPortType}' is not supported (openvswitch is; " +
                    "802.1Qbg/802.1Qbh need lldpad and a switch that speaks VDP)");
        }
    }

    /// <summary>The host interfaces a direct network makes macvtap links on: its &lt;interface&gt; list, its dev, or its PF's VFs.</summary>
    private static IReadOnlyList<string> MacvtapDevs(NetworkDefinition def) =>
        def.ForwardInterfaces.Count > 0 ? def.ForwardInterfaces
        : def.ForwardDev is { } dev ? [dev]
        : def.ForwardPf is not null || def.Xml.Element("forward")?.Element("address") is not null ? new Vireo.Network.Sriov.VfPool().NetDevs(def)
        : [];

    private async Task CheckMacvtapPoolAsync(NetworkDefinition def, CancellationToken ct)
    {
        if (def.VirtualPortType is { } vp)
            throw new VireoException(ErrorCode.NotSupported, $"network '{def.Name}': virtualport type '{vp}' on macvtap is not supported (it needs lldpad and a switch that speaks VDP)");
        var devs = MacvtapDevs(def);
        if (devs.Count == 0)
            throw new VireoException(ErrorCode.OperationFailed,
                $"network '{def.Name}': forward mode '{def.ForwardMode}' needs host interfaces: <forward dev='...'/> or <interface dev='...'/> elements");
        var links = await driver.LinksAsync(ct);
        if (devs.Where(d => !links.Contains(d)).ToList() is { Count: > 0 } missing)
            throw new VireoException(ErrorCode.OperationFailed, $"network '{def.Name}': host interface{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} not found");
    }

    /// <summary>What guest NICs of type network join; throws naming the network when it is not active.</summary>
    public NetworkPlug PlugOf(string key)
    {
        var e = Lookup(key);
        var live = e.Live ?? throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Definition.Name}' is not active");
        if (live.MacvtapMode is { } mode) return new NetworkPlug(live.Name, null, null, mode, MacvtapDevs(live), []);
        if (live.ForwardMode == "hostdev")
            return new NetworkPlug(live.Name, null, null, null, [], new Vireo.Network.Sriov.VfPool().Discover(live),
                live.Xml.Element("forward")?.Attribute("managed")?.Value == "yes");
        return new NetworkPlug(live.Name, live.BridgeName, live.VirtualPortType, null, [], []);
    }

    public async Task<NetworkSummary> DestroyAsync(string key, CancellationToken ct)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync(ct);
        try
        {
            if (e.Live is null) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Definition.Name}' is not active");
            // Only Vireo's own bridges are taken down; a host bridge stays.
            if (e.Live.HasOwnBridge) await driver.StopAsync(e.Live, ActiveExcept(e.Definition.Name), ct);
            e.Live = null;
            File.Delete(LivePath(e.Definition.Name));
            var s = Summary(e);
            if (!e.Persistent) _nets.TryRemove(e.Definition.Name, out _);
            return s;
        }
        finally { e.OpLock.Release(); }
    }

    public void Undefine(string key)
    {
        var e = Lookup(key);
        if (!e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Definition.Name}' is transient");
        File.Delete(ConfigPath(e.Definition.Name));
        File.Delete(AutostartPath(e.Definition.Name));
        if (e.Live is null) _nets.TryRemove(e.Definition.Name, out _);
        else e.Persistent = false;
    }

    public void SetAutostart(string key, bool enabled)
    {
        var e = Lookup(key);
        if (!e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"cannot set autostart for transient network '{e.Definition.Name}'");
        if (enabled) AtomicFile.WriteAllText(AutostartPath(e.Definition.Name), ConfigPath(e.Definition.Name) + "\n");
        else File.Delete(AutostartPath(e.Definition.Name));
    }

    /// <summary>net-update: the change goes into the running network (dnsmasq re-reads or restarts) and/or the definition.</summary>
    public async Task UpdateAsync(string key, NetworkUpdateRequest r, CancellationToken ct)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync(ct);
        try
        {
            var (live, config) = (r.Live, r.Config);
            if (!live && !config) { live = e.Live is not null; config = e.Live is null; }
            if (live && e.Live is null) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Definition.Name}' is not active");
            if (config && !e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"cannot change the persistent definition of transient network '{e.Definition.Name}'");
            // Both results are computed (and validated) before either is applied.
            var newLive = live ? NetworkUpdate.Apply(e.Live!, r.Command, r.Section, r.Xml, r.ParentIndex) : null;
            var newConfig = config ? NetworkUpdate.Apply(e.Definition, r.Command, r.Section, r.Xml, r.ParentIndex) : null;
            if (newLive is not null)
            {
                e.Live = newLive;
                AtomicFile.WriteAllText(LivePath(newLive.Name), newLive.ToXml());
                if (r.Section is "ip-dhcp-host" or "dns-host") driver.ReloadDnsmasq(newLive);
                else
                {
                    // Ranges and records live in dnsmasq's configuration: it is started again with the new one.
                    if (driver.DnsmasqPid(newLive.Name) is { } pid) Host.Interop.LibC.kill(pid, Host.Interop.LibC.SIGTERM);
                    for (var i = 0; i < 100 && driver.DnsmasqPid(newLive.Name) is not null; i++) await Task.Delay(20, ct);
                    await driver.StartDnsmasqAsync(newLive, ct);
                }
            }
            if (newConfig is not null)
            {
                e.Definition = newConfig;
                AtomicFile.WriteAllText(ConfigPath(newConfig.Name), newConfig.ToXml(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        finally { e.OpLock.Release(); }
    }

    /// <summary>For domifaddr: a network that is gone or has no dnsmasq has no leases.</summary>
    public IReadOnlyList<Domains.GuestLease> LeasesOf(string network)
    {
        try { return Leases(network, null).Select(l => new Domains.GuestLease(l.Mac, l.Protocol, l.IpAddress)).ToList(); }
        catch (VireoException) { return []; }
    }

    public List<NetworkLease> Leases(string key, string? mac)
    {
        var e = Lookup(key);
        if (e.Live is null) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Definition.Name}' is not active");
        return driver.Leases(e.Definition.Name)
            .Where(l => mac is null || string.Equals(l.Mac, mac, StringComparison.OrdinalIgnoreCase))
            .Select(l =>
            {
                var ip = System.Net.IPAddress.Parse(l.Ip);
                var net = e.Live.Ips.FirstOrDefault(i => i.Subnet.Contains(ip));
                return new NetworkLease
                {
                    ExpiryTime = l.Expiry.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), Mac = l.Mac,
                    Protocol = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4",
                    IpAddress = $"{l.Ip}/{net?.Prefix ?? 32}", Hostname = l.Hostname, ClientId = l.ClientId,
                };
            }).ToList();
    }
}
