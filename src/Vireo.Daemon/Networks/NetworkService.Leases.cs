using Vireo.Core.Errors;
using Vireo.Network;

namespace Vireo.Daemon.Networks;

public sealed partial class NetworkService
{
    /// <summary>net-update: the change goes into the running network (dnsmasq rereads or restarts) and/or the definition.</summary>
    public async Task UpdateAsync(string key, NetworkChange r, CancellationToken ct)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync(ct);
        try
        {
            var (live, config) = (r.Live, r.Config);
            if (!live && !config) { live = e.Live is not null; config = e.Live is null; }
            if (live && e.Live is null) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Name}' is not active");
            if (config && !e.Persistent) throw new VireoException(ErrorCode.OperationInvalid, $"cannot change the persistent definition of transient network '{e.Name}'");
            // Both results are computed (and validated) before either is applied.
            var newLive = live ? NetworkUpdate.Apply(e.Live!, r.Command, r.Section, r.Xml, r.ParentIndex) : null;
            var newConfig = config ? NetworkUpdate.Apply(e.Definition, r.Command, r.Section, r.Xml, r.ParentIndex) : null;
            if (newLive is not null)
            {
                e.Live = newLive;
                _store.SaveLive(newLive.Name, newLive.ToXml());
                var backend = backends.For(newLive);
                if (backend.Capabilities.HasFlag(NetworkCapabilities.DhcpDns)) await backend.ApplyUpdateAsync(newLive, r.Section, ct);
            }
            if (newConfig is not null)
            {
                e.Definition = newConfig;
                _store.Save(newConfig);
            }
            Log.Updated(logger, e.Name, r.Section, r.Command, (live, config) switch { (true, true) => "live and config", (true, _) => "live", _ => "config" });
        }
        finally { e.OpLock.Release(); }
    }

    /// <summary>For domifaddr: a network that is gone or has no dnsmasq has no leases.</summary>
    public IReadOnlyList<Domains.GuestLease> LeasesOf(string network)
    {
        try { return Leases(network, null).Select(l => new Domains.GuestLease(l.Mac, l.Protocol, l.IpAddress)).ToList(); }
        catch (VireoException) { return []; }
    }

    /// <summary>net-dhcp-leases: what dnsmasq handed out, optionally for one MAC; none on a network without dnsmasq.</summary>
    public IReadOnlyList<NetworkDhcpLease> Leases(string key, string? mac)
    {
        var e = Lookup(key);
        var live = e.Live ?? throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: network '{e.Name}' is not active");
        var backend = backends.For(live);
        if (!backend.Capabilities.HasFlag(NetworkCapabilities.DhcpDns)) return [];
        return backend.Leases(live)
            .Where(l => mac is null || string.Equals(l.Mac, mac, StringComparison.OrdinalIgnoreCase))
            .Select(l =>
            {
                var ip = System.Net.IPAddress.Parse(l.Ip);
                var net = live.Ips.FirstOrDefault(i => i.Subnet.Contains(ip));
                var protocol = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
                return new NetworkDhcpLease(l.Expiry, l.Mac, protocol, $"{l.Ip}/{net?.Prefix ?? 32}", l.Hostname, l.ClientId);
            }).ToList();
    }
}
