using System.Net;
using System.Net.Sockets;
using Vireo.Host.Interop;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>
/// vireod --listen with a token, against a local user (nobody) and a web page: without the token the TCP
/// listener serves nothing, the unix socket does not open for them, and a browser's cross-origin
/// text/plain POST is refused on both listeners and defines nothing.
/// </summary>
public sealed class ListenerSecurityTests : IAsyncLifetime
{
    private const string Token = "cV3nB8mX1zL6kJ0hG5fD9sA2pO7iU4yT";
    private readonly string _tokenDir = Directory.CreateTempSubdirectory("vireo-token-").FullName;
    private readonly string _nobodyDir = Unprivileged.ReadableDir();
    private DaemonFixture _d = null!;
    private int _port;

    private string Tcp => $"http://127.0.0.1:{_port}";

    private const string DomainXml = "<domain type='qemu'><name>{0}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>";

    public async Task InitializeAsync()
    {
        var tokenFile = Unprivileged.Write(_tokenDir, "token", Token + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _port = FreePort();
        _d = await DaemonFixture.StartAsync("--listen", $"127.0.0.1:{_port}", "--token-file", tokenFile);
    }

    public async Task DisposeAsync()
    {
        await _d.DisposeAsync();
        Directory.Delete(_tokenDir, recursive: true);
        Directory.Delete(_nobodyDir, recursive: true);
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public async Task Nobody_uses_neither_listener_without_the_token_and_the_tcp_one_with_it()
    {
        var xml = Unprivileged.Write(_nobodyDir, "intruder.xml", string.Format(DomainXml, "intruder"));
        Assert.Equal("srw-rw----", Mode(_d.Socket));

        (await Unprivileged.Vireo("-c", _d.Uri, "define", xml)).Fails("Permission denied");
        (await Unprivileged.Vireo("-c", Tcp, "define", xml)).Fails($"vireod at {Tcp} needs a token: pass --token-file FILE");
        var curl = await Unprivileged.Curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/xml",
            "--data-binary", "@" + xml, Tcp + "/v1/domains");
        Assert.Equal("401", curl.Stdout);
        var guessed = await Unprivileged.Curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + Token[..^1] + "x", Tcp + "/v1/domains");
        Assert.Equal("401", guessed.Stdout);
        Assert.DoesNotContain("intruder", (await _d.Vireo("list", "--all", "--name")).Ok().Stdout);

        // A copy of the token that nobody may read lets nobody in, over TCP only.
        var copy = Unprivileged.Write(_nobodyDir, "token", Token + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        LibC.Chown(copy, 65534, -1);
        var allowed = Unprivileged.Write(_nobodyDir, "allowed.xml", string.Format(DomainXml, "allowed"));
        (await Unprivileged.Vireo("-c", Tcp, "--token-file", copy, "define", allowed)).Ok();
        Assert.Contains("allowed", (await Unprivileged.Vireo("-c", Tcp, "--token-file", copy, "list", "--all", "--name")).Ok().Stdout);
        (await Unprivileged.Vireo("-c", _d.Uri, "--token-file", copy, "list")).Fails("Permission denied");
        Assert.Equal("allowed\n\n", (await _d.Vireo("list", "--all", "--name")).Ok().Stdout);
    }

    [Fact]
    public async Task A_browser_shaped_cross_origin_post_is_refused_on_both_listeners_and_defines_nothing()
    {
        string[] browser = ["-w", "\n%{http_code}", "-H", "Origin: https://attacker.example", "-H", "Content-Type: text/plain",
            "--data-binary", string.Format(DomainXml, "fromweb")];
        foreach (var (who, target) in new[] { ("tcp", Tcp + "/v1/domains"), ("unix", "--unix-socket|" + _d.Socket + "|http://vireod/v1/domains") })
        {
            string[] where = target.Split('|');
            var withToken = await Unprivileged.CurlAsRoot([.. browser, "-H", "Authorization: Bearer " + Token, .. where]);
            Assert.True(withToken.Stdout.EndsWith("\n403"), $"{who}: {withToken.Stdout}");
            Assert.Contains("\"code\":\"AccessDenied\"", withToken.Stdout);
            Assert.Contains("requests from web browsers are refused", withToken.Stdout);
            // The same POST without the browser's Origin still carries a body type no API endpoint reads.
            var plain = await Unprivileged.CurlAsRoot(["-w", "\n%{http_code}", "-H", "Authorization: Bearer " + Token, "-H", "Content-Type: text/plain",
                "--data-binary", string.Format(DomainXml, "fromweb"), .. where]);
            Assert.True(plain.Stdout.EndsWith("\n415"), $"{who}: {plain.Stdout}");
        }
        Assert.Equal("", (await _d.Vireo("-q", "list", "--all", "--name")).Ok().Stdout.Trim());
        Assert.False(File.Exists(Path.Combine(_d.Root, "etc/vireo/qemu/fromweb.xml")));
    }

    private static string Mode(string path)
    {
        var s = LibC.StatFile(path);
        var p = (int)s.Permissions;
        string Rwx(int bits) => $"{((bits & 4) != 0 ? 'r' : '-')}{((bits & 2) != 0 ? 'w' : '-')}{((bits & 1) != 0 ? 'x' : '-')}";
        return (s.TypeName == "socket" ? "s" : "?") + Rwx(p >> 6) + Rwx(p >> 3) + Rwx(p);
    }
}
