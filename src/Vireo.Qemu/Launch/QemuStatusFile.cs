using System.Xml.Linq;
using Vireo.Core.Xml;

namespace Vireo.Qemu.Launch;

/// <summary>
/// ROOT/run/vireo/qemu/NAME.xml: what a restarted vireod needs to find and reconnect to a
/// running QEMU. Shaped like libvirt's &lt;domstatus&gt;, with the live domain XML inside.
/// </summary>
public sealed record QemuStatusFile(int Pid, string QmpSocket, DateTimeOffset StartTime, string State, string Reason, XElement LiveDomain)
{
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
