using System.Globalization;
using System.Xml.Linq;
using Vireo.Core.Errors;
using Vireo.Core.Names;

namespace Vireo.Network.Bandwidth;

/// <summary>
/// A NIC's &lt;bandwidth&gt; as tc commands on its tap, the way libvirt sets them: inbound (towards the
/// guest, the tap's egress) with an htb class (its default leaf queue; libvirt adds sfq, which not
/// every kernel has), outbound (from the guest, the tap's ingress) with a
/// police filter. Rates are kilobytes per second (tc's "kbps"), bursts kilobytes.
/// </summary>
public static class TcBandwidth
{
    public sealed record Limit(long Average, long? Peak, long? Burst);

    public static (Limit? Inbound, Limit? Outbound) Read(XElement nic)
    {
        var bw = nic.Element("bandwidth");
        return (Parse(bw?.Element("inbound")), Parse(bw?.Element("outbound")));
    }

    private static Limit? Parse(XElement? e)
    {
        if (e is null) return null;
        long? L(string n) => e.Attribute(n)?.Value is { } v ? long.TryParse(v, out var x) && x > 0 ? x
            : throw new VireoException(ErrorCode.XmlValidation, $"<bandwidth><{e.Name.LocalName}> {n}='{v}' must be a positive number") : null;
        var avg = L("average") ?? throw new VireoException(ErrorCode.XmlValidation, $"<bandwidth><{e.Name.LocalName}> needs an 'average' rate");
        return new Limit(avg, L("peak"), L("burst"));
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static IReadOnlyList<string[]> Commands(string dev, Limit? inbound, Limit? outbound)
    {
        if (InterfaceName.Problem(dev) is { } p)
            throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: interface name '{Text.Printable(dev)}' {p}");
        var cmds = new List<string[]>();
        if (inbound is { } i)
        {
            cmds.Add(["tc", "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1"]);
            cmds.Add(["tc", "class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb", "rate", $"{N(i.Average)}kbps",
                "ceil", $"{N(i.Peak ?? i.Average)}kbps", .. i.Burst is { } b ? new[] { "burst", $"{N(b)}kb" } : []]);
        }
        if (outbound is { } o)
        {
            cmds.Add(["tc", "qdisc", "add", "dev", dev, "ingress"]);
            cmds.Add(["tc", "filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32", "match", "u32", "0", "0",
                "police", "rate", $"{N(o.Average)}kbps", "burst", $"{N(o.Burst ?? Math.Max(o.Average / 8, 10))}kb", "mtu", "64kb", "drop", "flowid", ":1"]);
        }
        return cmds;
    }
}
