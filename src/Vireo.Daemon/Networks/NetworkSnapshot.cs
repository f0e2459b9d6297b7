namespace Vireo.Daemon.Networks;

/// <summary>A network as net-list and net-info see it. <paramref name="Bridge"/> is the running network's (else the definition's).</summary>
/// <param name="ForwardMode">The definition's forward mode, "isolated" without one.</param>
public sealed record NetworkSnapshot(string Name, Guid Uuid, bool Active, bool Persistent, bool Autostart, string? Bridge, string ForwardMode);

/// <summary>One DHCP lease of a running network, as net-dhcp-leases lists it.</summary>
/// <param name="Protocol">"ipv4" or "ipv6".</param>
/// <param name="IpAddress">The address with the prefix of the network's subnet that holds it ("192.168.122.45/24").</param>
public sealed record NetworkDhcpLease(DateTimeOffset Expiry, string Mac, string Protocol, string IpAddress, string? Hostname, string? ClientId);

/// <summary>
/// net-update: <paramref name="Command"/> (add, add-first, add-last, delete, modify) of <paramref name="Xml"/> in
/// <paramref name="Section"/>, in the running network (<paramref name="Live"/>) and/or the definition (<paramref name="Config"/>);
/// neither means the running network if there is one, else the definition, as virsh's default.
/// </summary>
/// <param name="ParentIndex">Which &lt;ip&gt; holds a DHCP item; -1 to choose by the item's address family.</param>
public sealed record NetworkChange(string Command, string Section, string Xml, int ParentIndex, bool Live, bool Config);
