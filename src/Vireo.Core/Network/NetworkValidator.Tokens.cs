using System.Text;
using System.Xml.Linq;
using Vireo.Core.Names;
using Vireo.Core.Xml;

namespace Vireo.Core.Network;

/// <summary>
/// The grammar of every network value that reaches dnsmasq's configuration, nftables, tc or ip:
/// checked at define time, each problem naming its element and line. The writers check again.
/// </summary>
public static partial class NetworkValidator
{
    /// <summary>One DNS character-string (RFC 1035): what a TXT value may hold, in bytes of UTF-8.</summary>
    public const int MaxTxtValueBytes = 255;

    /// <summary>libvirt's characters for an SRV service and protocol ('.' would split the record name).</summary>
    private const string SrvServiceChars = "_-+/*";
    private const string SrvProtocolChars = "-+/";

    /// <summary>Characters a path or file name given to dnsmasq (tftp root, boot file) may not hold: its separators, quotes and comments.</summary>
    private const string DnsmasqPathForbidden = ",#\"'\\";

    private static void CheckTokens(XElement x, List<string> problems)
    {
        void Add(XObject where, string what) => problems.Add($"{SafeXml.Where(where is XAttribute a ? a.Parent! : where)}: {what}");

        if (x.Element("title") is { } title && Text.FirstControl(title.Value) is { } tc)
            Add(title, $"the title must be one line without control characters (found {Text.Describe(tc)})");
        CheckInterface(x.Element("bridge")?.Attribute("name"), "bridge name", problems);
        var forward = x.Element("forward");
        CheckInterface(forward?.Attribute("dev"), "forward device", problems);
        foreach (var i in forward?.Elements("interface") ?? []) CheckInterface(i.Attribute("dev"), "forward interface", problems);
        foreach (var pf in forward?.Elements("pf") ?? []) CheckInterface(pf.Attribute("dev"), "physical function", problems);
        if (x.Element("bridge")?.Attribute("delay") is { } delay && !(int.TryParse(delay.Value, System.Globalization.NumberStyles.None, null, out var d) && d is >= 0 and <= MaxBridgeDelay))
            Add(delay, $"invalid bridge delay '{Text.Printable(delay.Value)}' (a number of seconds, 0-{MaxBridgeDelay})");
        if (x.Element("mtu") is { } mtu && !(long.TryParse(mtu.Attr("size"), System.Globalization.NumberStyles.None, null, out var m) && m is >= MinMtu and <= MaxMtu))
            Add(mtu, $"invalid mtu size '{Text.Printable(mtu.Attr("size") ?? "")}' (expected {MinMtu}-{MaxMtu})");
        if (x.Element("domain")?.Attribute("name") is { } domain && DnsNames.DomainNameProblem(domain.Value) is { } dp)
            Add(domain, $"domain name '{Text.Printable(domain.Value)}' {dp}");

        var dns = x.Element("dns");
        foreach (var f in dns?.Elements("forwarder") ?? [])
        {
            if (f.Attr("domain") is { } fd && DnsNames.DomainNameProblem(fd) is { } p) Add(f, $"forwarder domain '{Text.Printable(fd)}' {p}");
            if (f.Attr("addr") is null && f.Attr("domain") is null) Add(f, "a forwarder needs 'addr', 'domain' or both");
        }
        foreach (var h in dns?.Elements("host") ?? [])
        {
            if (!h.Elements("hostname").Any()) Add(h, "a DNS host needs at least one <hostname>");
            foreach (var hn in h.Elements("hostname"))
                if (DnsNames.HostNameProblem(hn.Value.Trim()) is { } p) Add(hn, $"host name '{Text.Printable(hn.Value.Trim())}' {p}");
        }
        foreach (var t in dns?.Elements("txt") ?? []) CheckTxt(t, Add);
        foreach (var s in dns?.Elements("srv") ?? []) CheckSrv(s, Add);

        foreach (var ip in x.Elements("ip"))
        {
            if (ip.Element("tftp")?.Attribute("root") is { } root && PathProblem(root.Value, absolute: true) is { } rp)
                Add(root, $"tftp root '{Text.Printable(root.Value)}' {rp}");
            var dhcp = ip.Element("dhcp");
            if (dhcp?.Element("bootp") is { } bootp)
            {
                if (bootp.Attr("file") is not { } file) Add(bootp, "<bootp> needs a 'file' attribute");
                else if (PathProblem(file, absolute: false) is { } fp) Add(bootp, $"boot file '{Text.Printable(file)}' {fp}");
            }
            foreach (var h in dhcp?.Elements("host") ?? [])
            {
                if (h.Attr("name") is { } name && DnsNames.HostNameProblem(name) is { } np) Add(h, $"DHCP host name '{Text.Printable(name)}' {np}");
                if (h.Attr("id") is { } id && !(id.Length is > 0 and <= MaxDuidText && id.All(c => char.IsAsciiHexDigit(c) || c == ':')))
                    Add(h, $"DHCP host id '{Text.Printable(id)}' must be hexadecimal digits and ':' (a DUID, at most {MaxDuidText} characters)");
            }
        }
    }

    public const int MinMtu = 68;
    /// <summary>The bridge's forward delay is handed to ip in centiseconds, as a 32-bit number.</summary>
    public const int MaxBridgeDelay = int.MaxValue / 100;
    public const int MaxMtu = 65535;

    /// <summary>A DUID is at most 130 bytes: 260 hex digits and 129 colons.</summary>
    private const int MaxDuidText = 389;

    private static void CheckInterface(XAttribute? a, string what, List<string> problems)
    {
        if (a is not null && InterfaceName.Problem(a.Value) is { } p)
            problems.Add($"{SafeXml.Where(a.Parent!)}: {what} '{Text.Printable(a.Value)}' is not a valid interface name: it {p}");
    }

    private static void CheckTxt(XElement t, Action<XObject, string> add)
    {
        var name = t.Attr("name");
        if (name is null) add(t, "a TXT record needs a 'name'");
        else if (DnsNames.DomainNameProblem(name) is { } p) add(t, $"TXT record name '{Text.Printable(name)}' {p}");
        if (t.Attr("value") is not { } value) { add(t, "a TXT record needs a 'value'"); return; }
        if (Text.FirstControl(value) is { } c) add(t, $"TXT record value must not contain control characters (found {Text.Describe(c)})");
        else if (!Text.IsValidUnicode(value)) add(t, "TXT record value is not valid Unicode");
        else if (Encoding.UTF8.GetByteCount(value) > MaxTxtValueBytes)
            add(t, $"TXT record value is {Encoding.UTF8.GetByteCount(value)} bytes long, at most {MaxTxtValueBytes} (one DNS string)");
    }

    private static void CheckSrv(XElement s, Action<XObject, string> add)
    {
        if (s.Attr("service") is not { } service) add(s, "an SRV record needs a 'service'");
        else if (service.Length is 0 or > 63 || service.Any(c => !char.IsAsciiLetterOrDigit(c) && !SrvServiceChars.Contains(c)))
            add(s, $"invalid character in service attribute '{Text.Printable(service)}' (letters, digits and {SrvServiceChars}, 1-63 characters)");
        if (s.Attr("protocol") is not { } protocol) add(s, "an SRV record needs a 'protocol'");
        else if (protocol.Length is 0 or > 63 || protocol.Any(c => !char.IsAsciiLetterOrDigit(c) && !SrvProtocolChars.Contains(c)))
            add(s, $"invalid character in protocol attribute '{Text.Printable(protocol)}' (letters, digits and {SrvProtocolChars}, 1-63 characters)");
        foreach (var attr in new[] { "domain", "target" })
            if (s.Attr(attr) is { } v && DnsNames.DomainNameProblem(v) is { } p) add(s, $"SRV {attr} '{Text.Printable(v)}' {p}");
        foreach (var (attr, min) in new[] { ("port", 1), ("priority", 0), ("weight", 0) })
        {
            if (s.Attr(attr) is not { } v) continue;
            if (s.Attr("target") is null) add(s, $"DNS SRV {attr} attribute not permitted without target");
            else if (!(int.TryParse(v, out var n) && n >= min && n <= 65535)) add(s, $"invalid DNS SRV {attr} '{Text.Printable(v)}' (expected {min}-65535)");
        }
    }

    /// <summary>What is wrong with a path or file name written into dnsmasq's configuration, or null.</summary>
    private static string? PathProblem(string path, bool absolute)
    {
        if (path.Length == 0) return "must not be empty";
        if (absolute && path[0] != '/') return "must be an absolute path";
        foreach (var c in path)
            if (char.IsControl(c) || char.IsWhiteSpace(c) || DnsmasqPathForbidden.Contains(c) || char.IsSurrogate(c))
                return $"must not contain {DnsNames.Quote(c)} (dnsmasq's configuration cannot carry it)";
        return Encoding.UTF8.GetByteCount(path) > 512 ? "is longer than 512 bytes" : null;
    }
}
