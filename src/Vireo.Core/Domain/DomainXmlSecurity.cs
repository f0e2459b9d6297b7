using System.Xml.Linq;
using Vireo.Core.Xml;

namespace Vireo.Core.Domain;

/// <summary>
/// What a domain XML shows to someone who did not ask for --security-info: libvirt leaves graphics
/// passwords out (VIR_DOMAIN_XML_SECURE), so a dumpxml pasted into a bug report leaks no password.
/// </summary>
public static class DomainXmlSecurity
{
    public static string WithoutSecrets(XElement domain)
    {
        var root = new XElement(domain);
        foreach (var g in root.Element("devices")?.Elements("graphics") ?? [])
            g.Attribute("passwd")?.Remove();
        return SafeXml.Format(root);
    }
}
