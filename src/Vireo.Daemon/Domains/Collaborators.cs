using Vireo.Core.Domain;
using Vireo.Daemon.Storage;
using Vireo.Network;

namespace Vireo.Daemon.Domains;

/// <summary>What a &lt;disk type='volume'&gt; names, from the storage service.</summary>
public interface IVolumeResolver
{
    VolumeSource Resolve(string pool, string volume);
}

/// <summary>The value of the secret a disk's &lt;auth&gt; names, from the secret service.</summary>
public interface IDiskSecrets
{
    byte[] ValueFor(DiskAuth auth);
}

/// <summary>What guest NICs join, from the network service.</summary>
public interface INetworkPlugs
{
    /// <summary>What a NIC on <paramref name="network"/> joins; throws naming the network when it is not active.</summary>
    NetworkPlug PlugOf(string network);

    /// <summary>The network's DHCP leases (domifaddr --source lease); none if it has no dnsmasq.</summary>
    IReadOnlyList<GuestLease> LeasesOf(string network);
}

/// <summary>One DHCP lease: "ipv4" or "ipv6", and the address with its prefix.</summary>
public sealed record GuestLease(string Mac, string Protocol, string Address);

/// <summary>Interface names that exist on the host, to pick free vnetN and macvtapN names.</summary>
public interface IHostLinks
{
    ISet<string> Names();
}

/// <summary>The links vireod itself sees (ip netns exec remounts /sys for the namespace).</summary>
public sealed class SysfsHostLinks : IHostLinks
{
    public ISet<string> Names() =>
        Directory.Exists("/sys/class/net") ? Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>().ToHashSet() : [];
}

/// <summary>Which domains use a disk path (storage refuses to delete or wipe a volume under a running guest).</summary>
public interface IDiskUsers
{
    IReadOnlyList<string> RunningDomainsUsing(string path);
}

/// <summary>How long the domain core waits for things outside it.</summary>
/// <param name="DestroyGrace">After SIGTERM, before SIGKILL.</param>
/// <param name="Unplug">For the guest to release a hot-unplugged device (ACPI eject).</param>
/// <param name="Agent">For the guest agent, when the caller gives no timeout.</param>
public sealed record DomainTimeouts(TimeSpan DestroyGrace, TimeSpan Unplug, TimeSpan Agent)
{
    public static readonly DomainTimeouts Default = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));
}
