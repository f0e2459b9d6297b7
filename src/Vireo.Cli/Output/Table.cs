using System.Text;

namespace Vireo.Cli.Output;

/// <summary>
/// virsh's table layout (vsh-table.c): every cell starts with a space, cells are padded to
/// the column width plus two, and the header is underlined with width+3 dashes per column.
/// </summary>
public static class Table
{
    /// <param name="withHeader">false for virsh -q: no header, and columns only as wide as the data.</param>
    public static string Render(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, bool withHeader = true)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var measured = withHeader ? all : all.Skip(1).ToList();
        var widths = Enumerable.Range(0, header.Count).Select(c => measured.Count == 0 ? 0 : measured.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        void Row(IReadOnlyList<string> r)
        {
            for (var c = 0; c < r.Count; c++)
            {
                sb.Append(' ').Append(r[c]);
                if (c < r.Count - 1) sb.Append(' ', widths[c] - r[c].Length + 2);
            }
            sb.Append('\n');
        }
        if (withHeader)
        {
            Row(header);
            sb.Append('-', widths.Sum(w => w + 3)).Append('\n');
        }
        foreach (var r in all.Skip(1)) Row(r);
        return sb.ToString();
    }

    /// <summary>"Label:" padded to 15 characters then a space, as virsh's dominfo prints it.</summary>
    public static string Field(string label, object? value) => $"{label + ":",-15} {value}\n";
}
