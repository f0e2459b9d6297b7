using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Vireo.Contracts;
using Vireo.Daemon.Hosting;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// Who gets through to an endpoint: on the unix socket anyone who can open it, on TCP only with the
/// token; never a web browser; never a body of a type a web page can send without asking.
/// </summary>
public class ApiGuardTests : IAsyncLifetime
{
    private const string Token = "q8Zr2mVx7LkP0sW4yN9bT3cF6hJ1dG5eA2uI8oE";
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-guard-").FullName;
    private ApiTestServer _server = null!;
    private int _port;
    private int _reached;

    public async Task InitializeAsync()
    {
        var tokenFile = Path.Combine(_dir, "token");
        File.WriteAllText(tokenFile, Token + "\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var access = ListenerAccess.For(new DaemonOptions { TcpListen = $"127.0.0.1:{_port}", TokenFile = tokenFile });
        _server = await ApiTestServer.StartAsync(app =>
        {
            app.MapPost("/define", async (HttpRequest r) =>
            {
                Interlocked.Increment(ref _reached);
                return await new StreamReader(r.Body).ReadToEndAsync();
            });
            app.MapGet("/list", () => Interlocked.Increment(ref _reached));
        }, access);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private HttpClient Tcp(string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}/") };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<(HttpStatusCode, string, string)> Answer(HttpResponseMessage resp)
    {
        using (resp)
        {
            var e = JsonSerializer.Deserialize(await resp.Content.ReadAsStringAsync(), VireoJsonContext.Default.ErrorResponse)!;
            return (resp.StatusCode, e.Code, e.Message);
        }
    }

    [Fact]
    public async Task Tcp_serves_nothing_without_the_token_and_the_unix_socket_needs_none()
    {
        using (var none = Tcp(null))
        {
            var resp = await none.GetAsync("list");
            Assert.Equal("Bearer", resp.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal((HttpStatusCode.Unauthorized, "AuthFailed",
                "authentication required: send the token of vireod's token file as 'Authorization: Bearer TOKEN'"), await Answer(resp));
        }
        using (var wrong = Tcp(Token[..^1] + "X"))
            Assert.Equal((HttpStatusCode.Unauthorized, "AuthFailed", "authentication failed: the bearer token is not vireod's token"),
                await Answer(await wrong.GetAsync("list")));
        using (var basic = Tcp(null))
        {
            basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("root:" + Token)));
            Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("list")).StatusCode);
        }
        Assert.Equal(0, _reached);
        using (var right = Tcp(Token))
            Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("list")).StatusCode);
        using (var unix = _server.Client())
            Assert.Equal(HttpStatusCode.OK, (await unix.GetAsync("list")).StatusCode);
        Assert.Equal(2, _reached);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example", "an Origin header")]
    [InlineData("Origin", "null", "an Origin header")]
    [InlineData("Sec-Fetch-Site", "cross-site", "Sec-Fetch-Site: cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site", "Sec-Fetch-Site: same-site")]
    public async Task Browsers_are_refused_on_every_listener_even_with_the_token(string header, string value, string named)
    {
        foreach (var http in new[] { _server.Client(), Tcp(Token) })
            using (http)
            {
                var req = new HttpRequestMessage(HttpMethod.Post, "define") { Content = new StringContent("<domain/>", Encoding.UTF8, "application/xml") };
                req.Headers.TryAddWithoutValidation(header, value);
                var (status, code, message) = await Answer(await http.SendAsync(req));
                Assert.Equal((HttpStatusCode.Forbidden, "AccessDenied"), (status, code));
                Assert.StartsWith($"requests from web browsers are refused (the request has {named})", message);
            }
        Assert.Equal(0, _reached);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task Bodies_a_web_page_can_send_without_asking_are_refused(string type)
    {
        using var http = _server.Client();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("<domain type='qemu'><name>x</name></domain>"));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        var (status, code, message) = await Answer(await http.PostAsync("define", content));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType"), (status, code));
        Assert.Equal($"request bodies of type '{type.Split(';')[0]}' are refused: the API takes application/json, application/xml, text/xml, application/octet-stream", message);
        var untyped = new ByteArrayContent("<domain/>"u8.ToArray());
        var (untypedStatus, untypedCode, _) = await Answer(await http.PostAsync("define", untyped));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType"), (untypedStatus, untypedCode));
        Assert.Equal(0, _reached);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("define", new StringContent("<domain/>", Encoding.UTF8, "application/xml"))).StatusCode);
    }
}
