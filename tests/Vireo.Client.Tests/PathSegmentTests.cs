namespace Vireo.Client.Tests;

/// <summary>
/// Names travel in URL path segments: whatever a name is, the request reaches the endpoint the call means.
/// "." and ".." would be removed as dot segments by the URI parser (the request would go to another endpoint),
/// so they are sent percent-encoded; '/', '%', '?' and '#' stay inside their segment.
/// </summary>
public class PathSegmentTests
{
    private const string Info = """{"name":"x","uuid":"u","osType":"hvm","state":"shut off","reason":"unknown"}""";

    [Theory]
    [InlineData(".", "/v1/domains/%2E")]
    [InlineData("..", "/v1/domains/%2E%2E")]
    [InlineData("a/b", "/v1/domains/a%2Fb")]
    [InlineData("%", "/v1/domains/%25")]
    [InlineData("../..", "/v1/domains/..%2F..")]
    [InlineData("a?b#c", "/v1/domains/a%3Fb%23c")]
    [InlineData("...", "/v1/domains/...")]
    public async Task A_name_is_one_segment_of_the_path_it_was_meant_for(string name, string target)
    {
        using var d = new StubDaemon(200, Info);
        using var c = new VireoClient(DaemonUri.Resolve("unix://" + d.SocketPath));
        await c.InfoAsync(name);
        await c.StateAsync(name);
        await c.DumpXmlAsync(name, inactive: false);
        Assert.Equal([("GET", target), ("GET", target + "/state"), ("GET", target + "?inactive=false&secure=false")],
            d.Requests.Select(r => (r.Method, r.Target)));
    }

    [Fact]
    public async Task Every_segment_is_escaped_alike_over_tcp_too()
    {
        using var d = new StubDaemon(200, """{"name":"v","pool":"p","key":"k","path":"p","type":"file","format":"raw"}""", tcp: true);
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri));
        await c.VolumeAsync("..", ".");
        Assert.Equal("/v1/storage/pools/%2E%2E/volumes/%2E", Assert.Single(d.Requests).Target);
    }

    [Fact]
    public async Task An_empty_name_is_refused_before_anything_is_sent()
    {
        using var d = new StubDaemon(200, Info);
        using var c = new VireoClient(DaemonUri.Resolve("unix://" + d.SocketPath));
        var e = await Assert.ThrowsAsync<VireoApiException>(() => c.InfoAsync(""));
        Assert.Equal("InvalidArgument", e.Code);
        Assert.Empty(d.Requests);
    }
}
