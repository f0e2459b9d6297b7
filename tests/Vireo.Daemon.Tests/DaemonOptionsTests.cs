using Vireo.Daemon.Hosting;

namespace Vireo.Daemon.Tests;

public class DaemonOptionsTests
{
    [Fact]
    public void Options_are_read()
    {
        var o = DaemonOptions.Parse(["--root", "/tmp/r", "--listen", "127.0.0.1:16510", "--no-default-network", "--verbose"]);
        Assert.Equal(("/tmp/r", "127.0.0.1:16510", true, true), (o.Root, o.TcpListen, o.NoDefaultNetwork, o.Verbose));
        Assert.Equal("/", DaemonOptions.Parse([]).Root);
    }

    [Theory]
    [InlineData(new[] { "--root" }, "option --root needs a value")]
    [InlineData(new[] { "--frobnicate" }, "unknown option '--frobnicate' (see vireod --help)")]
    public void Mistakes_are_named(string[] args, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => DaemonOptions.Parse(args)).Message);
}
