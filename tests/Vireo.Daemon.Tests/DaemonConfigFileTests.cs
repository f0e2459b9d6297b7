using Vireo.Daemon.Hosting;

namespace Vireo.Daemon.Tests;

public class DaemonConfigFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-conf-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string text)
    {
        var path = Path.Combine(_root, DaemonConfigFile.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void Settings_are_read_and_the_command_line_wins()
    {
        Write("""
            # vireod settings
            listen = "127.0.0.1:16510"   # loopback only
            token_file = "/etc/vireo/token"
            guest_paths = ["/srv/vms", "/var/lib/vireo/images"]
            qmp_timeout = 5
            log_group = "adm"
            allow_qemu_commandline = 1
            """);
        var o = DaemonOptions.Load(["--root", _root]);
        Assert.Equal(("127.0.0.1:16510", "/etc/vireo/token", TimeSpan.FromSeconds(5), "adm"), (o.TcpListen, o.TokenFile, o.QmpTimeout, o.LogGroup));
        Assert.Equal(["/srv/vms", "/var/lib/vireo/images"], o.GuestPaths!);
        Assert.True(o.AllowQemuCommandline);
        Assert.Equal("127.0.0.1:9", DaemonOptions.Load(["--root", _root, "--listen", "127.0.0.1:9"]).TcpListen);
    }

    [Fact]
    public void No_file_means_the_defaults()
    {
        var o = DaemonOptions.Load(["--root", _root]);
        Assert.Equal((null, null, TimeSpan.FromSeconds(30)), (o.TcpListen, o.GuestPaths, o.QmpTimeout));
    }

    [Theory]
    [InlineData("frobnicate = 1", ":1: unknown setting 'frobnicate'")]
    [InlineData("listen 127.0.0.1:1", ":1: expected 'key = value'")]
    [InlineData("\nlisten = 127.0.0.1:1", ":2: listen takes a quoted string")]
    [InlineData("guest_paths = \"/srv\"", ":1: guest_paths takes a list of quoted strings")]
    [InlineData("guest_paths = [\"/srv\" \"/x\"]", ":1: guest_paths takes a list of quoted strings")]
    [InlineData("qmp_timeout = -1", ":1: qmp_timeout takes a positive integer")]
    [InlineData("allow_qemu_commandline = yes", ":1: allow_qemu_commandline takes 0 or 1")]
    [InlineData("token_file = \"/a\nb\"", ":1: token_file takes a quoted string")]
    public void Mistakes_name_file_and_line(string text, string message)
    {
        Write(text);
        var e = Assert.Throws<ArgumentException>(() => DaemonOptions.Load(["--root", _root]));
        Assert.Contains(message, e.Message);
        Assert.StartsWith(Path.Combine(_root, DaemonConfigFile.RelativePath), e.Message);
    }
}
