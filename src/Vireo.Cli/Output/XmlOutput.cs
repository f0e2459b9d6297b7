using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using Vireo.Cli.Parsing;

namespace Vireo.Cli.Output;

/// <summary>
/// The *dumpxml commands' output, with virsh's --xpath EXPRESSION and --wrap: every node the
/// expression selects, one per line, as libxml2 dumps it (elements as XML, attributes as
/// ` name="value"`, text as itself), or all inside one &lt;nodes&gt; element with --wrap (attributes
/// then become its attributes). Where virsh refuses an expression that is not a node set
/// ("Incorrect xpath"), vireo prints the string, number or boolean it evaluates to.
/// </summary>
public static class XmlOutput
{
    public static void Write(CliContext ctx, ParsedArgs a, string xml)
    {
        if (a["xpath"] is not { } expression)
        {
            // --wrap alone changes nothing, as in virsh: there is only the one document.
            ctx.Out.Write(xml.EndsWith('\n') ? xml : xml + "\n");
            ctx.Out.WriteLine();
            return;
        }
        var doc = XDocument.Parse(xml);
        object result;
        try
        {
            result = doc.XPathEvaluate(expression);
        }
        catch (XPathException e)
        {
            throw new CliException($"XPath evaluation failed: '{expression}': {e.Message}");
        }
        if (result is IEnumerable<object> nodes)
        {
            var items = nodes.ToList();
            if (a.Has("wrap"))
            {
                var wrapped = new XElement("nodes");
                foreach (var n in items)
                {
                    if (n is not XAttribute at) wrapped.Add(n);
                    else if (wrapped.Attribute(at.Name) is null) wrapped.Add(new XAttribute(at.Name, at.Value));
                }
                ctx.Out.WriteLine(Dump(wrapped));
            }
            else
                foreach (var n in items) ctx.Out.WriteLine(Text(n));
        }
        else ctx.Out.WriteLine(result switch
        {
            bool b => b ? "true" : "false",
            double d => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => result.ToString(),
        });
        ctx.Out.WriteLine();
    }

    private static string Text(object node) => node switch
    {
        XElement e => Dump(e),
        XAttribute at => $" {at.Name.LocalName}=\"{at.Value.Replace("&", "&amp;").Replace("<", "&lt;").Replace("\"", "&quot;")}\"",
        XText t => t.Value,
        XNode n => n.ToString(),
        _ => node.ToString() ?? "",
    };

    /// <summary>libxml2's node dump: double quotes, two-space indentation, empty elements as &lt;x/&gt;.</summary>
    private static string Dump(XElement e) => e.ToString(SaveOptions.None).Replace(" />", "/>");
}
