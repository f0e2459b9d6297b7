using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host.Processes;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// Each kind of failure thrown by an endpoint, through vireod's real middleware over a real socket:
/// the status, the code and the message the client gets. Never an empty 500.
/// </summary>
public class ErrorMiddlewareTests : IAsyncLifetime
{
    private ApiTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await ApiTestServer.StartAsync(Map);
        _http = _server.Client();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/throw/{kind}", (string kind) => Throw(kind));
        app.MapPut("/autostart", (AutostartRequest body) => body);
        app.MapPut("/secret", (SecretValue body) => body.Value.Length);
        app.MapGet("/flag", (bool? on) => on);
        app.MapGet("/half", async (HttpContext ctx) =>
        {
            await ctx.Response.WriteAsync("{\"partial\":");
            await ctx.Response.Body.FlushAsync();
            throw new InvalidOperationException("failed after the answer began");
        });
    }

    private static object Throw(string kind) => throw (kind switch
    {
        "vireo" => VireoException.NoDomain("x"),
        "process" => new ProcessFailedException(["qemu-img", "info", "x y"], 1, "  qemu-img: Could not open 'x y': No such file or directory\n\n"),
        "qmp" => new QmpErrorException("blockdev-add", "GenericError", "Could not open '/x': Permission denied"),
        "qmp-closed" => new QmpDisconnectedException("QEMU exited"),
        "enospc" => new IOException("No space left on device : '/var/lib/vireo/images/a.qcow2'", 28),
        "path-too-long" => new PathTooLongException("The path '/etc/vireo/qemu/aaaa.xml' is too long, or a component of the specified path is too long."),
        "eacces" => new UnauthorizedAccessException("Access to the path '/var/lib/vireo/qemu/a' is denied."),
        "timeout" => new TimeoutException("QMP command 'query-status' did not answer within 30 s"),
        "bug" => new InvalidOperationException("the table is inconsistent"),
        _ => new ArgumentOutOfRangeException(nameof(kind)),
    });

    private async Task<(HttpStatusCode Status, ErrorResponse Error)> Send(HttpRequestMessage req)
    {
        using var resp = await _http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        Assert.Equal("application/json", resp.Content.Headers.ContentType?.MediaType);
        return (resp.StatusCode, JsonSerializer.Deserialize(text, VireoJsonContext.Default.ErrorResponse)!);
    }

    private Task<(HttpStatusCode Status, ErrorResponse Error)> Get(string path) => Send(new HttpRequestMessage(HttpMethod.Get, path));

    private Task<(HttpStatusCode Status, ErrorResponse Error)> Put(string path, string body, string type = "application/json") =>
        Send(new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(body, Encoding.UTF8, type) });

    [Theory]
    [InlineData("vireo", 404, "NoDomain", "Domain not found: no domain with matching name 'x'")]
    [InlineData("process", 500, "OperationFailed", "qemu-img exited with status 1: qemu-img: Could not open 'x y': No such file or directory")]
    [InlineData("qmp", 500, "OperationFailed", "QEMU refused 'blockdev-add': Could not open '/x': Permission denied (GenericError)")]
    [InlineData("qmp-closed", 500, "OperationFailed", "the QEMU monitor connection closed: QEMU exited")]
    [InlineData("enospc", 500, "OperationFailed", "No space left on device : '/var/lib/vireo/images/a.qcow2'")]
    [InlineData("path-too-long", 500, "OperationFailed", "The path '/etc/vireo/qemu/aaaa.xml' is too long, or a component of the specified path is too long.")]
    [InlineData("eacces", 500, "OperationFailed", "Access to the path '/var/lib/vireo/qemu/a' is denied.")]
    [InlineData("timeout", 504, "OperationTimeout", "QMP command 'query-status' did not answer within 30 s")]
    public async Task Each_kind_of_failure_has_its_status_code_and_message(string kind, int status, string code, string message)
    {
        var (s, e) = await Get("throw/" + kind);
        Assert.Equal((status, code, message), ((int)s, e.Code, e.Message));
    }

    [Fact]
    public async Task A_failed_command_carries_its_command_line_and_a_qmp_error_its_class()
    {
        Assert.Equal(["command: qemu-img info 'x y'"], (await Get("throw/process")).Error.Details);
        Assert.Equal(["QEMU error class: GenericError"], (await Get("throw/qmp")).Error.Details);
    }

    [Fact]
    public async Task An_unexpected_exception_is_an_internal_error_whose_id_is_logged_with_the_stack()
    {
        var (s, e) = await Get("throw/bug");
        Assert.Equal((HttpStatusCode.InternalServerError, "InternalError"), (s, e.Code));
        Assert.Contains("InvalidOperationException: the table is inconsistent", e.Message);
        var id = Regex.Match(e.Message, "error id ([0-9a-f]{8})$").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.Equal([$"id: {id}"], e.Details);
        var logged = Assert.Single(_server.Log.Lines, l => l.Contains(id));
        Assert.Contains("Internal error " + id + " answering GET /throw/bug", logged);
        Assert.Contains("System.InvalidOperationException: the table is inconsistent", logged);
        Assert.Contains("   at ", logged);
    }

    [Fact]
    public async Task A_failure_after_the_answer_began_breaks_the_connection_instead_of_ending_a_partial_success()
    {
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _http.GetStringAsync("half"));
        Assert.Contains(_server.Log.Lines, l => l.Contains("failed after the answer began"));
    }

    [Fact]
    public async Task Routing_and_binding_failures_have_json_bodies()
    {
        Assert.Equal((HttpStatusCode.NotFound, "NoRoute", "no API endpoint at GET /nothing (the API is described at /v1/openapi.json)"),
            Flat(await Get("nothing")));
        Assert.Equal((HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "PATCH is not allowed on /autostart (allowed: PUT)"),
            Flat(await Send(new HttpRequestMessage(HttpMethod.Patch, "autostart"))));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", "PUT /autostart takes a JSON body (Content-Type: application/json), not 'application/xml; charset=utf-8'"),
            Flat(await Put("autostart", "{\"enabled\":true}", "application/xml")));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidArgument", "invalid value 'maybe' for parameter 'on'"), Flat(await Get("flag?on=maybe")));
        foreach (var tooLong in new[] { "nothing?q=" + new string('a', 9000), "nothing/" + new string('a', 9000) })
        {
            var (s, e) = await Get(tooLong);
            Assert.Equal((HttpStatusCode.RequestUriTooLong, "UriTooLong", $"the request URI is {tooLong.Length + 1} bytes long; the API takes at most 8192"),
                (s, e.Code, e.Message));
        }
    }

    [Theory]
    [InlineData("/autostart", """{"enabled":true,"bogus":1}""", "invalid JSON request body: unknown member 'bogus' (at $.bogus)")]
    [InlineData("/autostart", """{"enabled":"yes"}""", "invalid JSON request body: the value of 'enabled' has the wrong type (at $.enabled)")]
    [InlineData("/secret", """{"value":null}""", "invalid JSON request body: 'value' must not be null (at $.value)")]
    [InlineData("/secret", """{}""", "invalid JSON request body: missing required member(s) 'value'")]
    public async Task Json_bodies_are_read_strictly_and_the_error_names_the_member(string path, string body, string message) =>
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidArgument", message), Flat(await Put(path.TrimStart('/'), body)));

    [Fact]
    public async Task A_nested_json_bomb_stops_at_the_depth_limit()
    {
        const int levels = 100_000;
        var bomb = "{\"enabled\":" + new string('[', levels) + new string(']', levels) + "}";
        // Whichever the reader meets first, the depth limit (64) or a value of the wrong type, the answer is a 400 naming the member.
        var (status, code, message) = Flat(await Put("autostart", bomb));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidArgument"), (status, code));
        Assert.Matches(@"^invalid JSON request body: (nested deeper than 64 levels|the value of 'enabled' has the wrong type) \(at \$\.enabled\)$", message);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_in_the_error_shape_when_the_client_asks_first()
    {
        var req = new HttpRequestMessage(HttpMethod.Put, "autostart") { Content = new ByteArrayContent(new byte[9 * 1024 * 1024]) };
        req.Content.Headers.ContentType = new("application/json");
        req.Headers.ExpectContinue = true;
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "RequestTooLarge", "the request is too large: vireod takes request bodies of at most 8 MiB (8388608 bytes)"),
            Flat(await Send(req)));
    }

    private static (HttpStatusCode, string, string) Flat((HttpStatusCode Status, ErrorResponse Error) r) => (r.Status, r.Error.Code, r.Error.Message);
}
