using System.Xml;
using System.Xml.Linq;
using Vireo.Core.Errors;

namespace Vireo.Core.Xml;

/// <summary>
/// Parses untrusted XML: no DTD processing, no external entities, a size limit, and line
/// information kept so validation errors can say where a problem is.
/// </summary>
public static class SafeXml
{
    public const int MaxDocumentChars = 4 * 1024 * 1024;

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

    /// <summary>Serialises like libvirt's dumpxml: no declaration, two-space indentation.</summary>
    public static string Format(XElement root)
    {
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, IndentChars = "  ", NewLineChars = "\n" };
        var sb = new System.Text.StringBuilder();
        using (var w = XmlWriter.Create(sb, settings))
            root.WriteTo(w);
        return sb.Append('\n').ToString();
    }
}
