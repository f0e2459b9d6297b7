using Vireo.Daemon.Hosting;

namespace Vireo.Daemon.Tests.Hosting;

/// <summary>--listen is checked before vireod creates anything, and never without a token.</summary>
public class ListenerAccessTests
{
    [Theory]
    [InlineData("127.0.0.1:16510", null, "--listen 127.0.0.1:16510 needs --token-file FILE (or token_file in vireod.conf): the TCP listener serves nothing without a bearer token")]
    [InlineData("0.0.0.0:16510", "/t", "--listen 0.0.0.0:16510: only loopback addresses are allowed without TLS")]
    [InlineData("localhost", "/t", "--listen localhost: expected a loopback ADDRESS:PORT such as 127.0.0.1:16510")]
    [InlineData("127.0.0.1:0", "/t", "--listen 127.0.0.1:0: expected a loopback ADDRESS:PORT such as 127.0.0.1:16510")]
    public void Listen_without_a_token_or_off_loopback_is_refused(string listen, string? tokenFile, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => ListenerAccess.For(new DaemonOptions { TcpListen = listen, TokenFile = tokenFile })).Message);

    [Fact]
    public void Without_listen_there_is_no_tcp_listener_and_no_token()
    {
        var a = ListenerAccess.For(new DaemonOptions { TokenFile = "/does/not/matter" });
        Assert.Null(a.TcpEndPoint);
        Assert.Null(a.TcpToken);
    }
}
