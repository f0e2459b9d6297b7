using Vireo.Cli.Output;

namespace Vireo.Cli.Tests;

public class OutputTests
{
    private static readonly IReadOnlyList<string>[] Rows = [["1", "web", "running"], ["-", "database-01", "shut off"]];

    [Fact]
    public void Tables_have_virshs_layout()
    {
        // As virsh 9 prints it: a space before each cell, width + 2 between columns, width + 3 dashes per column.
        Assert.Equal(
            " Id   Name          State\n" +
            "------------------------------\n" +
            " 1    web           running\n" +
            " -    database-01   shut off\n",
            Table.Render(["Id", "Name", "State"], Rows));
    }

    [Fact]
    public void Quiet_tables_have_no_header_and_data_wide_columns()
    {
        Assert.Equal(" 1   web           running\n -   database-01   shut off\n", Table.Render(["Id", "Name", "State"], Rows, withHeader: false));
        Assert.Equal("", Table.Render(["Id", "Name", "State"], [], withHeader: false));
    }

    [Fact]
    public void Fields_are_padded_as_dominfo_prints_them()
    {
        Assert.Equal("Name:           web\n", Table.Field("Name", "web"));
        Assert.Equal("Security model: none\n", Table.Field("Security model", "none"));
    }

    [Fact]
    public void The_quiet_writer_drops_only_the_closing_empty_line()
    {
        var inner = new StringWriter();
        var q = new QuietWriter(inner);
        q.WriteLine("alpha");
        q.Write("beta\n\n");
        Assert.Equal("alpha\nbeta", inner.ToString()); // newlines held back until it is known whether more comes
        q.Write('g');
        q.WriteLine();
        q.WriteLine();
        q.Finish();
        Assert.Equal("alpha\nbeta\n\ng\n", inner.ToString());
    }

    [Fact]
    public void The_quiet_writer_keeps_a_single_final_newline()
    {
        var inner = new StringWriter();
        var q = new QuietWriter(inner);
        q.Write("shut off\n");
        q.Finish();
        Assert.Equal("shut off\n", inner.ToString());
    }
}
