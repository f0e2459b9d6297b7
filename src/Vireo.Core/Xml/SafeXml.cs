using System.Xml;
using System.Xml.Linq;
using Vireo.Core.Errors;

namespace Vireo.Core.Xml;

/// <summary>
/// Parses untrusted XML: no DTD processing, no external entities, a size limit, and line
/// information kept so validation errors can say where a problem is.
/// </summary>
public static partial class SafeXml
{
    public const int MaxDocumentChars = 4 * 1024 * 1024;

    /// <summary>libxml2's nesting limit without XML_PARSE_HUGE, which libvirt does not set: 256 levels of elements.</summary>
    public const int MaxDepth = 256;

    /// <summary>
    /// Streams through the document once, before any tree is built, and refuses it past
    /// <see cref="MaxDepth"/> levels: a deep tree costs time and memory out of all proportion
    /// to its size, and its indented form grows with the square of its depth.
    /// </summary>
    private static void CheckDepth(string text, XmlReaderSettings settings, string what)
    {
        using var reader = XmlReader.Create(new StringReader(text), settings);
        while (reader.Read())
        {
            // Depth counts from 0 at the root element: the 257th level has depth 256.
            if (reader.NodeType == XmlNodeType.Element && reader.Depth >= MaxDepth)
            {
                var info = (IXmlLineInfo)reader;
                throw new VireoException(ErrorCode.InvalidXml,
                    $"XML error in {what} at line {info.LineNumber}, column {info.LinePosition}: <{reader.LocalName}> is nested more than {MaxDepth} elements deep (libxml2's limit)");
            }
        }
    }

    public static XDocument Parse(string text, string what)
    {
        if (text.Length > MaxDocumentChars)
            throw new VireoException(ErrorCode.InvalidXml, $"{what} is too large ({text.Length} characters, limit {MaxDocumentChars})");
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxDocumentChars,
            MaxCharactersFromEntities = 0,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            CheckDepth(text, settings, what);
            using var reader = XmlReader.Create(new StringReader(text), settings);
            return XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new VireoException(ErrorCode.InvalidXml,
                $"XML error in {what} at line {e.LineNumber}, column {e.LinePosition}: {e.Message}");
        }
    }

    /// <summary>Describes where an element is, for error messages: "&lt;disk&gt; (line 12)".</summary>
    public static string Where(XObject node)
    {
        var name = node is XElement e ? $"<{e.Name.LocalName}>" : node is XAttribute a ? $"'{a.Name.LocalName}' attribute" : "node";
        var info = (IXmlLineInfo)node;
        return info.HasLineInfo() ? $"{name} (line {info.LineNumber})" : name;
    }

    public static string? Attr(this XElement? e, string name) => e?.Attribute(name)?.Value;

    public static XElement? Child(this XElement? e, string name) => e?.Element(name);

    public static string? ChildAttr(this XElement? e, string child, string attr) => e?.Element(child)?.Attribute(attr)?.Value;

    public static string? ChildText(this XElement? e, string child) => e?.Element(child)?.Value;

    /// <summary>
    /// Serialises like libvirt's dumpxml: no declaration, two-space indentation, attributes in single
    /// quotes and empty elements as &lt;x/&gt; - scripts written against virsh grep for source file='...'.
    /// Output longer than <see cref="MaxDocumentChars"/> is refused (InvalidXml) as soon as it passes the
    /// limit: it could not be parsed again, and stopping there bounds the time and memory formatting takes.
    /// </summary>
    public static string Format(XElement root)
    {
        // The user's own line breaks between elements would stop the writer indenting what vireod
        // inserts (a generated uuid, a MAC): layout whitespace goes, as libvirt re-indents everything.
        var copy = new XElement(root);
        foreach (var blank in copy.DescendantNodes().OfType<XText>()
                     .Where(t => string.IsNullOrWhiteSpace(t.Value) && t.Parent!.Elements().Any()).ToList())
            blank.Remove();
        var sw = new BoundedStringWriter(MaxDocumentChars);
        using (var w = new XmlTextWriter(sw) { Formatting = Formatting.Indented, Indentation = 2, IndentChar = ' ', QuoteChar = '\'' })
            copy.WriteTo(w);
        // XmlTextWriter ends empty elements with " />"; a quote before it always closes an attribute
        // (a quote inside a value is written as &apos;), so only tag ends match.
        var text = EmptyTagEnd().Replace(sw.ToString(), "$1/>");
        return text + "\n";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"('|<[^\s<>'""/]+) />")]
    private static partial System.Text.RegularExpressions.Regex EmptyTagEnd();
}
