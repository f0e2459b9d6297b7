using System.Xml.Linq;

namespace Vireo.Core.Tests;

/// <summary>
/// Checks "nothing the user wrote is dropped": every element (by path), attribute and
/// text value of the input must appear in the output. Output may add defaults.
/// </summary>
public static class XmlPreservation
{
    public static IReadOnlyList<string> Missing(string input, string output)
    {
        var have = Facts(InKiB(XDocument.Parse(output).Root!)).GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count());
        var missing = new List<string>();
        foreach (var fact in Facts(InKiB(XDocument.Parse(input).Root!)))
        {
            if (have.TryGetValue(fact, out var n) && n > 0) have[fact] = n - 1;
            else missing.Add(fact);
        }
        return missing;
    }

    /// <summary>
    /// A domain's memory sizes in KiB, as libvirt (and Vireo) store them: "256 MiB" written as
    /// "262144 KiB" is the same value, not a lost one.
    /// </summary>
    private static XElement InKiB(XElement root)
    {
        if (root.Name != "domain") return root;
        foreach (var name in new[] { "memory", "currentMemory", "maxMemory" })
            if (root.Element(name) is { } m && m.Value.Trim().Length > 0)
            {
                m.Value = Vireo.Core.Domain.MemorySize.ToKiB(m.Value, m.Attribute("unit")?.Value, name).ToString();
                m.SetAttributeValue("unit", "KiB");
            }
        return root;
    }

    private static IEnumerable<string> Facts(XElement root)
    {
        foreach (var e in root.DescendantsAndSelf())
        {
            var path = string.Join("/", e.AncestorsAndSelf().Reverse().Select(a => a.Name.ToString()));
            yield return path;
            foreach (var a in e.Attributes().Where(a => !a.IsNamespaceDeclaration))
                yield return $"{path}/@{a.Name}={a.Value}";
            var text = string.Concat(e.Nodes().OfType<XText>().Select(t => t.Value)).Trim();
            if (text.Length > 0) yield return $"{path}/text()={text}";
        }
    }
}
