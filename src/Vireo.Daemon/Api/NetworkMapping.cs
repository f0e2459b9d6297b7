using Vireo.Contracts;
using Vireo.Daemon.Networks;

namespace Vireo.Daemon.Api;

/// <summary>Networks as the API's records: the service speaks snapshots and leases, the endpoints the REST records.</summary>
internal static class NetworkMapping
{
    public static NetworkSummary Network(NetworkSnapshot n) => new()
    {
        Name = n.Name, Uuid = n.Uuid.ToString(), Active = n.Active, Persistent = n.Persistent, Autostart = n.Autostart,
        Bridge = n.Bridge, ForwardMode = n.ForwardMode,
    };

    public static async Task<NetworkSummary> NetworkAsync(Task<NetworkSnapshot> n) => Network(await n);

    /// <summary>net-dhcp-leases prints the expiry in the host's time zone, as virsh does.</summary>
    public static NetworkLease Lease(NetworkDhcpLease l) => new()
    {
        ExpiryTime = l.Expiry.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), Mac = l.Mac, Protocol = l.Protocol,
        IpAddress = l.IpAddress, Hostname = l.Hostname, ClientId = l.ClientId,
    };

    public static NetworkChange Change(NetworkUpdateRequest r) => new(r.Command, r.Section, r.Xml, r.ParentIndex, r.Live, r.Config);
}
