using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vireo.Contracts;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>Real failures against a real vireod over its socket: each answer is the JSON error shape with its status, never an empty body.</summary>
public class ErrorsOverSocketTests : DaemonTestBase
{
    private HttpClient Http() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(D.Socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://vireod/") };

    private async Task<(int Status, string Code, string Message)> Send(HttpMethod method, string path, string? body = null, string type = "application/json")
    {
        using var http = Http();
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = new StringContent(body, Encoding.UTF8, type);
        using var resp = await http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.Content.Headers.ContentType?.MediaType == "application/json", $"{(int)resp.StatusCode} without a JSON body: '{text}'");
        var e = JsonSerializer.Deserialize(text, VireoJsonContext.Responses.ErrorResponse)!;
        return ((int)resp.StatusCode, e.Code, e.Message);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_reported_by_the_cli_as_too_large()
    {
        var xml = Write("big.xml", "<domain type='qemu'><name>big</name><memory unit='MiB'>64</memory><os><type>hvm</type></os><description>"
            + new string('a', 9 * 1024 * 1024) + "</description></domain>");
        var r = await D.Vireo("define", xml);
        r.Fails("error: the request is too large: vireod takes request bodies of at most 8 MiB (8388608 bytes)");
        Assert.DoesNotContain("connect", r.Stderr);
    }

    [Fact]
    public async Task Routing_media_type_and_binding_failures_are_json()
    {
        Assert.Equal((404, "NoRoute", "no API endpoint at GET /v1/nothing (the API is described at /v1/openapi.json)"), await Send(HttpMethod.Get, "v1/nothing"));
        Assert.Equal((405, "MethodNotAllowed", "PATCH is not allowed on /v1/domains (allowed: GET, POST)"), await Send(HttpMethod.Patch, "v1/domains"));
        Assert.Equal((414, "UriTooLong", "the request URI is 10014 bytes long; the API takes at most 8192"),
            await Send(HttpMethod.Get, "v1/domains?q=" + new string('a', 10_000)));
        Assert.Equal((415, "UnsupportedMediaType", "POST /v1/domains takes domain XML as application/xml or text/xml, not 'application/json; charset=utf-8'"),
            await Send(HttpMethod.Post, "v1/domains", "<domain/>"));
        Assert.Equal((415, "UnsupportedMediaType", "PUT /v1/domains/x/autostart takes a JSON body (Content-Type: application/json), not 'application/xml; charset=utf-8'"),
            await Send(HttpMethod.Put, "v1/domains/x/autostart", "{\"enabled\":true}", "application/xml"));
        Assert.Equal((400, "InvalidArgument", "invalid value 'soon' for parameter 'paused'"), await Send(HttpMethod.Post, "v1/domains/x/start?paused=soon"));
        Assert.Equal((400, "InvalidArgument", "invalid JSON request body: unknown member 'enable' (at $.enable)"),
            await Send(HttpMethod.Put, "v1/domains/x/autostart", "{\"enable\":true}"));
    }

    [Fact]
    public async Task A_null_secret_value_is_refused_naming_value()
    {
        var xml = Write("secret.xml", "<secret ephemeral='no' private='no'><usage type='ceph'><name>client.admin</name></usage></secret>");
        var uuid = (await D.Vireo("secret-define", "--file", xml)).Ok().Stdout.Split(' ')[1];
        Assert.Equal((400, "InvalidArgument", "invalid JSON request body: 'value' must not be null (at $.value)"),
            await Send(HttpMethod.Put, $"v1/secrets/{uuid}/value", "{\"value\":null}"));
        Assert.Equal(400, (await Send(HttpMethod.Put, $"v1/secrets/{uuid}/value", "{}")).Status);
    }

    [Fact]
    public async Task Install_locations_that_are_not_media_are_refused_by_name()
    {
        var fifo = Path.Combine(D.Root, "media.fifo");
        Assert.Equal(0, MkFifo(fifo, 0x180));
        Assert.Equal((400, "InvalidArgument", $"--location '{fifo}': it is a fifo: expected an ISO file, a block device or a directory"),
            await Send(HttpMethod.Post, "v1/install", $"{{\"name\":\"i\",\"location\":\"{fifo}\"}}"));
        Assert.Equal((400, "InvalidArgument", $"--location '{D.Socket}': it is a socket: expected an ISO file, a block device or a directory"),
            await Send(HttpMethod.Post, "v1/install", $"{{\"name\":\"i\",\"location\":\"{D.Socket}\"}}"));
        Assert.Equal((400, "InvalidArgument", "--location 'ftp://127.0.0.1/debian/': ftp:// locations are not supported: use an http(s) URL, an ISO, a block device or a directory"),
            await Send(HttpMethod.Post, "v1/install", "{\"name\":\"i\",\"location\":\"ftp://127.0.0.1/debian/\"}"));
        Assert.Equal((400, "InvalidArgument", "--location 'debian.iso': the path must be absolute (it is read on vireod's host)"),
            await Send(HttpMethod.Post, "v1/install", "{\"name\":\"i\",\"location\":\"debian.iso\"}"));
        // A request with only the members it needs (no initrdInject, checks, disks): the defaults hold.
        var tree = Directory.CreateDirectory(Path.Combine(D.Root, "tree")).FullName;
        var (status, code, message) = await Send(HttpMethod.Post, "v1/install", $"{{\"name\":\"i\",\"location\":\"{tree}\",\"osVariant\":\"generic\"}}");
        Assert.Equal((400, "InvalidArgument"), (status, code));
        Assert.StartsWith($"Could not find an installable distribution at directory {tree}", message);
        Assert.Empty((await D.Vireo("list", "--all", "--name")).Ok().Stdout.Trim());
    }

    [Fact]
    public async Task A_name_too_long_for_the_file_system_is_an_error_of_its_own_not_an_internal_one()
    {
        var name = new string('n', 300);
        var (status, code, message) = await Send(HttpMethod.Post, "v1/networks", $"<network><name>{name}</name></network>", "application/xml");
        Assert.True(status is 400 or 500, $"{status} {code} {message}");
        Assert.NotEqual("InternalError", code);
        Assert.NotEmpty(message);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo")]
    private static extern int MkFifo(string path, int mode);
}
