using Vireo.Client;

namespace Vireo.Client.Tests;

public class DaemonUriTests
{
    [Theory]
    [InlineData("unix:///tmp/r/run/vireo/vireod.sock", "/tmp/r/run/vireo/vireod.sock")]
    [InlineData("qemu:///system", DaemonUri.SystemSocket)]
    [InlineData("vireo:///system", DaemonUri.SystemSocket)]
    [InlineData("qemu+unix:///system?socket=/srv/v.sock", "/srv/v.sock")]
    [InlineData("vireo+unix:///system?socket=/srv/v.sock", "/srv/v.sock")]
    public void Unix_socket_forms(string uri, string socket)
    {
        var u = DaemonUri.Resolve(uri);
        Assert.Equal(socket, u.SocketPath);
        Assert.Null(u.BaseAddress);
    }

    [Fact]
    public void Http_keeps_host_and_port()
    {
        var u = DaemonUri.Resolve("http://127.0.0.1:16510");
        Assert.Null(u.SocketPath);
        Assert.Equal(new Uri("http://127.0.0.1:16510/"), u.BaseAddress);
    }

    [Theory]
    [InlineData("unix://relative.sock", "expected unix:///absolute/path")]
    [InlineData("qemu+unix:///system?socket=v.sock", "must be an absolute path")]
    [InlineData("qemu:///session", "unsupported URI 'qemu:///session'")]
    [InlineData("ssh://host", "unsupported URI")]
    public void Bad_uris_are_refused_by_name(string uri, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => DaemonUri.Resolve(uri));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Without_a_uri_the_environment_then_the_system_socket()
    {
        var saved = Environment.GetEnvironmentVariable("VIREO_DEFAULT_URI");
        try
        {
            Environment.SetEnvironmentVariable("VIREO_DEFAULT_URI", "unix:///env/vireod.sock");
            Assert.Equal("/env/vireod.sock", DaemonUri.Resolve(null).SocketPath);
            Assert.Equal("/flag.sock", DaemonUri.Resolve("unix:///flag.sock").SocketPath);
            Environment.SetEnvironmentVariable("VIREO_DEFAULT_URI", null);
            Assert.Equal(DaemonUri.SystemSocket, DaemonUri.Resolve(null).SocketPath);
        }
        finally { Environment.SetEnvironmentVariable("VIREO_DEFAULT_URI", saved); }
    }
}
