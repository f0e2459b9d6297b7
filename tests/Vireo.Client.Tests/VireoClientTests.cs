using Vireo.Client;

namespace Vireo.Client.Tests;

/// <summary>What the typed client sends for a call, and what it makes of vireod's answers and silence.</summary>
public class VireoClientTests
{
    private static VireoClient ClientFor(StubDaemon d) => new(DaemonUri.Resolve("unix://" + d.SocketPath));

    [Fact]
    public async Task A_lifecycle_action_is_a_post_to_the_domain_action_route()
    {
        using var d = new StubDaemon(200, """{"id":3,"name":"web 1","uuid":"u","state":"running","reason":"booted","persistent":true,"autostart":false}""");
        using var c = ClientFor(d);
        var s = await c.ActionAsync("web 1", "start", "?paused=true");
        Assert.Equal((3, "running", "booted"), (s.Id, s.State, s.Reason));
        Assert.Equal(("POST", "/v1/domains/web%201/start?paused=true"), (d.Requests[0].Method, d.Requests[0].Target));
    }

    [Fact]
    public async Task Define_sends_the_xml_as_it_is()
    {
        using var d = new StubDaemon(200, """{"name":"a","uuid":"u","state":"shut off","reason":"unknown"}""");
        using var c = ClientFor(d);
        const string xml = "<domain type='qemu'><name>a</name><!-- kept --></domain>";
        await c.DefineAsync(xml);
        Assert.Equal(("POST", "/v1/domains", xml), d.Requests[0]);
    }

    [Fact]
    public async Task An_error_answer_becomes_an_exception_with_code_message_details_and_status()
    {
        using var d = new StubDaemon(400, """{"code":"XmlValidation","message":"invalid domain XML: 2 problems","details":["<memory>: must be positive","<name>: missing"]}""");
        using var c = ClientFor(d);
        var e = await Assert.ThrowsAsync<VireoApiException>(() => c.DefineAsync("<domain/>"));
        Assert.Equal(("XmlValidation", 400, "invalid domain XML: 2 problems"), (e.Code, e.Status, e.Message));
        Assert.Equal(["<memory>: must be positive", "<name>: missing"], e.Details);
    }

    [Fact]
    public async Task An_answer_that_is_not_the_error_shape_is_still_reported_with_its_status()
    {
        using var d = new StubDaemon(502, "upstream broke", "text/plain");
        using var c = ClientFor(d);
        var e = await Assert.ThrowsAsync<VireoApiException>(() => c.ListDomainsAsync());
        Assert.Equal(("InternalError", "HTTP 502: upstream broke"), (e.Code, e.Message));
    }

    [Fact]
    public async Task No_daemon_says_where_it_looked_and_how_to_start_one()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"vireo-absent-{Guid.NewGuid():N}.sock");
        using var c = new VireoClient(DaemonUri.Resolve("unix://" + socket));
        var e = await Assert.ThrowsAsync<VireoApiException>(() => c.ListDomainsAsync());
        Assert.Equal("DaemonUnreachable", e.Code);
        Assert.Contains($"unix://{socket}", e.Message);
        Assert.Contains("Start it with 'vireod'", e.Message);
    }
}
