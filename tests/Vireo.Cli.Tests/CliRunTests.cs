using Vireo.Client.Tests;

namespace Vireo.Cli.Tests;

/// <summary>The whole CLI in-process, against a stand-in daemon: exit codes, stdout and stderr as virsh has them.</summary>
public class CliRunTests
{
    private const string TwoDomains = """
        [{"id":1,"name":"web","uuid":"0b9e0c4e-0000-4000-8000-000000000001","state":"running","reason":"booted","persistent":true,"autostart":true,"title":"front end"},
         {"name":"db","uuid":"0b9e0c4e-0000-4000-8000-000000000002","state":"shut off","reason":"shutdown","persistent":true,"autostart":false}]
        """;

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = await VireoCli.RunAsync(args, o, e);
        return (exit, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task List_filters_and_lays_out_what_the_daemon_returns()
    {
        using var d = new StubDaemon(200, TwoDomains);
        var uri = "unix://" + d.SocketPath;
        Assert.Equal((0, " Id   Name   State\n----------------------\n 1    web    running\n\n", ""), await Run("-c", uri, "list"));
        Assert.Equal((0, " Id   Name   State\n-----------------------\n 1    web    running\n -    db     shut off\n\n", ""), await Run("-c", uri, "list", "--all"));
        Assert.Equal((0, "db\n\n", ""), await Run("-c", uri, "list", "--state-shutoff", "--name"));
        Assert.Equal((0, "web\n\n", ""), await Run("-c", uri, "list", "--all", "--autostart", "--name"));
        Assert.Equal((0, "0b9e0c4e-0000-4000-8000-000000000002\n\n", ""), await Run("-c", uri, "list", "--inactive", "--uuid"));
        Assert.Equal((0, " 1   web   running\n -   db    shut off\n", ""), await Run("-q", "-c", uri, "list", "--all"));
        Assert.All(d.Requests, r => Assert.Equal(("GET", "/v1/domains"), (r.Method, r.Target)));
    }

    [Fact]
    public async Task Daemon_errors_go_to_stderr_with_exit_1()
    {
        using var d = new StubDaemon(404, """{"code":"NoDomain","message":"Domain not found: no domain with matching name 'x'","details":[]}""");
        // virsh's lines: which lookup failed, then why; stdout still gets the command's closing empty line.
        Assert.Equal((1, "\n", "error: failed to get domain 'x'\nerror: Domain not found: no domain with matching name 'x'\n"),
            await Run("-c", "unix://" + d.SocketPath, "dominfo", "x"));
        Assert.Equal((1, "", "error: failed to get domain 'x'\nerror: Domain not found: no domain with matching name 'x'\n"),
            await Run("-q", "-c", "unix://" + d.SocketPath, "dominfo", "x"));
    }

    [Fact]
    public async Task A_failed_lifecycle_call_says_what_failed_then_why()
    {
        using var d = new StubDaemon(409, """{"code":"OperationInvalid","message":"Requested operation is not valid: domain 'web' is not running","details":[]}""");
        Assert.Equal((1, "\n", "error: Failed to destroy domain 'web'\nerror: Requested operation is not valid: domain 'web' is not running\n"),
            await Run("-c", "unix://" + d.SocketPath, "destroy", "web"));
    }

    [Fact]
    public async Task Validation_errors_list_every_problem()
    {
        using var d = new StubDaemon(400, """{"code":"XmlValidation","message":"invalid domain XML: 2 problems","details":["<memory>: must be positive","<name>: missing"]}""");
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "<domain type='qemu'/>");
        try
        {
            var (exit, _, err) = await Run("-c", "unix://" + d.SocketPath, "define", file);
            Assert.Equal(1, exit);
            Assert.Equal($"error: Failed to define domain from {file}\nerror: invalid domain XML: 2 problems\nerror:   <memory>: must be positive\nerror:   <name>: missing\n", err);
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "error: unknown command: 'frobnicate'\n")]
    [InlineData(new[] { "-x", "list" }, "error: unsupported option '-x'. See --help.\n")]
    [InlineData(new[] { "-c", "ftp://h", "list" }, "error: unsupported URI 'ftp://h'")]
    [InlineData(new[] { "list", "--bogus" }, "error: command 'list' doesn't support option --bogus\n")]
    public async Task Usage_mistakes_exit_1_before_any_daemon_is_asked(string[] args, string stderr)
    {
        var (exit, stdout, err) = await Run(args);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith(stderr, err);
    }

    [Fact]
    public async Task Help_names_every_command()
    {
        var (exit, stdout, _) = await Run("--help");
        Assert.Equal(0, exit);
        foreach (var c in new[] { "list", "define", "undefine", "create", "start", "shutdown", "destroy", "reboot", "reset", "suspend", "resume",
                     "dominfo", "domstate", "domid", "domuuid", "domname", "dumpxml", "edit", "autostart", "console", "vcpuinfo",
                     "qemu-monitor-command", "event", "version", "uri", "hostname", "img", "install", "host-validate" })
            Assert.Matches($"\n    {System.Text.RegularExpressions.Regex.Escape(c)} +\\S", stdout);
        Assert.Contains("usage: vireo start <domain>", (await Run("help", "start")).Out);
        Assert.Contains("-q, --quiet", stdout);
        Assert.Contains("qemu+unix:///system?socket=PATH", stdout);
    }
}
