using Vireo.Client.Tests;

namespace Vireo.Cli.Tests;

/// <summary>However a command fails, the CLI says so in error lines and exits 1: never a stack trace.</summary>
public class CliFailureTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = await VireoCli.RunAsync(args, o, e);
        return (exit, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("dumpxml", ".", "/v1/domains/%2E?inactive=false&secure=false")]
    [InlineData("dominfo", "..", "/v1/domains/%2E%2E")]
    public async Task Dot_names_are_looked_up_as_names(string command, string name, string target)
    {
        using var d = new StubDaemon(404, $$"""{"code":"NoDomain","message":"Domain not found: no domain with matching name '{{name}}'","details":[]}""");
        var (exit, _, err) = await Run("-q", "-c", d.Uri, command, name);
        Assert.Equal((1, $"error: failed to get domain '{name}'\nerror: Domain not found: no domain with matching name '{name}'\n"), (exit, err));
        Assert.Equal(target, Assert.Single(d.Requests).Target);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("""{"name": 5}""")]
    public async Task An_answer_the_cli_cannot_read_is_an_error_line_not_a_stack_trace(string body)
    {
        using var d = new StubDaemon(200, body);
        var (exit, _, err) = await Run("-c", d.Uri, "dominfo", "web");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: internal error: ", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void An_unexpected_failure_names_each_cause_once()
    {
        var e = new InvalidOperationException("reading the answer failed", new FormatException("bad digit"));
        Assert.Equal("internal error: reading the answer failed: bad digit", VireoCli.Unexpected(e));
        Assert.Equal("internal error: same", VireoCli.Unexpected(new IOException("same", new IOException("same"))));
    }
}
