using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Vireo.Core.Network;

/// <summary>An IPv4 or IPv6 subnet (address/prefix) with containment and overlap checks.</summary>
public readonly record struct IpNetwork(IPAddress Network, int Prefix)
{
    public static IpNetwork Of(IPAddress address, int prefix) => new(Mask(address, prefix), prefix);

    public static IpNetwork Parse(string cidr)
    {
        var slash = cidr.IndexOf('/');
        var addr = IPAddress.Parse(slash < 0 ? cidr : cidr[..slash]);
        var prefix = slash < 0 ? (addr.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) : int.Parse(cidr[(slash + 1)..]);
        return Of(addr, prefix);
    }

    private static int Bits(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;

    public static BigInteger ToInteger(IPAddress a) => new(a.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    public static IPAddress FromInteger(BigInteger v, AddressFamily family)
    {
        var len = family == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        var full = new byte[len];
        bytes.CopyTo(full, len - bytes.Length);
        return new IPAddress(full);
    }

    private static IPAddress Mask(IPAddress a, int prefix)
    {
        var bits = Bits(a);
        var v = ToInteger(a);
        var mask = ((BigInteger.One << bits) - 1) ^ ((BigInteger.One << (bits - prefix)) - 1);
        return FromInteger(v & mask, a.AddressFamily);
    }

    public bool Contains(IPAddress a) =>
        a.AddressFamily == Network.AddressFamily && Mask(a, Prefix).Equals(Network);

    public bool Overlaps(IpNetwork other) =>
        other.Network.AddressFamily == Network.AddressFamily && (Contains(other.Network) || other.Contains(Network));

    /// <summary>The netmask of an IPv4 prefix (24 -> 255.255.255.0).</summary>
    public IPAddress Netmask => Mask(IPAddress.Parse(Network.AddressFamily == AddressFamily.InterNetwork ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), Prefix);

    public override string ToString() => $"{Network}/{Prefix}";

    /// <summary>255.255.255.0 -> 24; -1 when the mask is not contiguous.</summary>
    public static int PrefixOfNetmask(IPAddress mask)
    {
        var v = ToInteger(mask);
        var bits = Bits(mask);
        var n = 0;
        for (var i = bits - 1; i >= 0 && ((v >> i) & 1) == 1; i--) n++;
        return ((BigInteger.One << bits) - 1 ^ ((BigInteger.One << (bits - n)) - 1)) == v ? n : -1;
    }
}
