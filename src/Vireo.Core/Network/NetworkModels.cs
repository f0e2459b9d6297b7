using System.Net;

namespace Vireo.Core.Network;

public sealed record DhcpRange(IPAddress Start, IPAddress End, TimeSpan? Lease);
public sealed record DhcpHost(string? Mac, string? Id, string? Name, IPAddress? Ip, TimeSpan? Lease);
public sealed record DnsHost(IPAddress Ip, IReadOnlyList<string> Hostnames);
public sealed record DnsForwarder(IPAddress? Address, string? Domain);
public sealed record DnsSrv(string Service, string Protocol, string? Domain, string? Target, int? Port, int? Priority, int? Weight);
public sealed record DnsTxt(string Name, string Value);

/// <summary>One &lt;ip&gt; of a network: the host side address, its prefix, and DHCP.</summary>
public sealed record NetworkIp(string Family, IPAddress Address, int Prefix, IReadOnlyList<DhcpRange> Ranges, IReadOnlyList<DhcpHost> Hosts,
    string? TftpRoot, string? BootpFile, IPAddress? BootpServer)
{
    public bool IsIPv6 => Family == "ipv6";
    public IpNetwork Subnet => IpNetwork.Of(Address, Prefix);
}
