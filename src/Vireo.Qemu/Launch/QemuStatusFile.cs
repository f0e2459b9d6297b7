using System.Xml.Linq;
using Vireo.Core.Xml;

namespace Vireo.Qemu.Launch;

/// <summary>
/// ROOT/run/vireo/qemu/NAME.xml: what a restarted vireod needs to find and reconnect to a
/// running QEMU. Shaped like libvirt's &lt;domstatus&gt;, with the live domain XML inside. It is written
/// before QEMU is launched (state <see cref="Starting"/>, pid 0), so a vireod killed at any moment of a
/// start finds what it was doing.
/// </summary>
public sealed record QemuStatusFile(int Pid, string QmpSocket, DateTimeOffset StartTime, string State, string Reason, XElement LiveDomain)
{
    public const string Starting = "starting";

    /// <summary>A start that had not finished: QEMU may exist (paused) or not, and the start was never reported done.</summary>
    public bool IsStarting => State == Starting || Pid <= 0;

    /// <summary>What is written before QEMU is launched.</summary>
    public static QemuStatusFile ForStart(string qmpSocket, XElement liveDomain) =>
        new(0, qmpSocket, DateTimeOffset.UtcNow, Starting, "starting up", new XElement(liveDomain));

    public string ToXml() => SafeXml.Format(new XElement("domstatus",
        new XAttribute("state", State), new XAttribute("reason", Reason), new XAttribute("pid", Pid),
        new XAttribute("starttime", StartTime.ToUnixTimeMilliseconds()),
        new XElement("monitor", new XAttribute("path", QmpSocket), new XAttribute("type", "unix")),
        new XElement(LiveDomain)));

    public static QemuStatusFile Parse(string xml)
    {
        var root = SafeXml.Parse(xml, "status file").Root!;
        return new QemuStatusFile(int.Parse(root.Attr("pid")!), root.ChildAttr("monitor", "path")!,
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(root.Attr("starttime")!)),
            root.Attr("state") ?? "running", root.Attr("reason") ?? "unknown", root.Element("domain")!);
    }
}
