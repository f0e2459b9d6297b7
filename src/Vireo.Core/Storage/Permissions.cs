using System.Xml.Linq;
using Vireo.Core.Xml;

namespace Vireo.Core.Storage;

/// <summary>&lt;permissions&gt; of a pool target or volume: mode (octal), owner, group, label.</summary>
public sealed record Permissions(int? Mode, int? Owner, int? Group, string? Label)
{
    public static Permissions? Read(XElement? e, List<string> problems)
    {
        if (e is null) return null;
        int? mode = null, owner = null, group = null;
        if (e.ChildText("mode")?.Trim() is { } m)
        {
            try { mode = Convert.ToInt32(m, 8); if (mode is < 0 or > 0x1ff and not 0) throw new FormatException(); }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
            { problems.Add($"{SafeXml.Where(e.Element("mode")!)}: '{m}' is not an octal file mode"); }
        }
        owner = Id(e, "owner", problems);
        group = Id(e, "group", problems);
        return new Permissions(mode, owner, group, e.ChildText("label"));
    }

    private static int? Id(XElement e, string name, List<string> problems)
    {
        if (e.ChildText(name)?.Trim() is not { } v) return null;
        if (int.TryParse(v, out var n) && n >= -1) return n;
        problems.Add($"{SafeXml.Where(e.Element(name)!)}: '{v}' is not a numeric id (-1 means unchanged)");
        return null;
    }
}
