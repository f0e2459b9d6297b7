using Vireo.Cli.Parsing;

namespace Vireo.Cli.Tests;

/// <summary>virsh's argument rules: "--opt value", "--opt=value", positionals by place or by --name.</summary>
public class ParsedArgsTests
{
    private static readonly CommandSpec Attach = new("attach-disk", "attach disk device",
        ["domain", "source", "target"], ["driver", "subdriver"], ["live", "config"], Required: 3);

    [Fact]
    public void Positionals_options_and_flags_in_any_order()
    {
        var a = ParsedArgs.Parse(Attach, ["--live", "vm1", "--subdriver=qcow2", "/img/d.qcow2", "--config", "vdb", "--driver", "qemu"]);
        Assert.Equal(("vm1", "/img/d.qcow2", "vdb"), (a["domain"], a["source"], a["target"]));
        Assert.Equal(("qemu", "qcow2"), (a["driver"], a["subdriver"]));
        Assert.True(a.Has("live") && a.Has("config"));
    }

    [Fact]
    public void A_positional_can_be_named_and_the_rest_fill_the_gaps()
    {
        var a = ParsedArgs.Parse(Attach, ["--target", "vdc", "vm1", "/img/x.raw"]);
        Assert.Equal(("vm1", "/img/x.raw", "vdc"), (a["domain"], a["source"], a["target"]));
    }

    [Theory]
    [InlineData(new[] { "vm1", "src", "vdb", "--bogus" }, "command 'attach-disk' doesn't support option --bogus")]
    [InlineData(new[] { "vm1", "src", "vdb", "--live=yes" }, "option --live does not take a value")]
    [InlineData(new[] { "vm1", "src", "vdb", "--driver" }, "option --driver needs a value")]
    [InlineData(new[] { "vm1", "src" }, "command 'attach-disk' requires <target> option")]
    [InlineData(new[] { "vm1", "src", "vdb", "extra" }, "unexpected data 'extra' for command 'attach-disk'")]
    public void Mistakes_are_named(string[] args, string message)
    {
        var e = Assert.Throws<CliException>(() => ParsedArgs.Parse(Attach, args));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Numbers_are_checked()
    {
        var spec = new CommandSpec("x", "", [], ["timeout"], []);
        Assert.Equal(30, ParsedArgs.Parse(spec, ["--timeout", "30"]).Int("timeout"));
        Assert.Null(ParsedArgs.Parse(spec, []).Int("timeout"));
        Assert.Equal("option --timeout: 'soon' is not a number",
            Assert.Throws<CliException>(() => ParsedArgs.Parse(spec, ["--timeout", "soon"]).Int("timeout")).Message);
    }

    [Fact]
    public void Usage_marks_required_positionals()
    {
        Assert.Equal("attach-disk <domain> <source> <target> [--driver <value>] [--subdriver <value>] [--live] [--config]", Attach.Usage);
    }

    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("10G", 10L << 30)]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("2GB", 2_000_000_000L)]
    [InlineData("4k", 4096L)]
    public void Virsh_sizes(string text, long bytes) => Assert.Equal(bytes, VirshSize.Parse(text, "--capacity"));

    [Theory]
    [InlineData("ten")]
    [InlineData("10X")]
    [InlineData("")]
    public void Bad_sizes_are_refused(string text) =>
        Assert.StartsWith($"Malformed size {text}", Assert.Throws<CliException>(() => VirshSize.Parse(text, "--capacity")).Message);
}
