using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Vireo.Daemon.Api;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// A name of "." or ".." in a path (as the client sends it: %2E, %2E%2E) reaches the endpoint the path names,
/// which then answers about that name; Kestrel alone would drop the segment and route the request elsewhere.
/// </summary>
public class DotSegmentPathsTests
{
    private static Task<ApiTestServer> StartAsync() => ApiTestServer.StartAsync(app =>
    {
        app.MapGet("/v1/domains", () => "list");
        app.MapGet("/v1/domains/{name}", (string name) => "info:" + name);
        app.MapGet("/v1/domains/{name}/state", (string name) => "state:" + name);
        app.MapGet("/v1/state", () => "wrong endpoint");
    });

    [Theory]
    [InlineData("/v1/domains/%2E%2E/state", "state:..")]
    [InlineData("/v1/domains/%2e%2E/state", "state:..")]
    [InlineData("/v1/domains/%2E", "info:.")]
    [InlineData("/v1/domains/%2E?inactive=false", "info:.")]
    [InlineData("/v1/domains/../state", "state:..")]
    [InlineData("/v1/domains/./state", "state:.")]
    [InlineData("/v1/domains/web?name=..", "info:web")]
    [InlineData("/v1/domains", "list")]
    public async Task The_endpoint_the_path_names_answers(string target, string answer)
    {
        await using var server = await StartAsync();
        using var http = server.Client();
        var resp = await http.GetAsync(AsWritten(target));
        Assert.Equal((200, answer), ((int)resp.StatusCode, await resp.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task A_path_that_names_no_endpoint_gets_the_error_shape()
    {
        await using var server = await StartAsync();
        using var http = server.Client();
        var resp = await http.GetAsync(AsWritten("/v1/domains/%2E%2E/%2E%2E/state"));
        Assert.Equal(404, (int)resp.StatusCode);
        Assert.Contains("\"code\":\"NoRoute\"", await resp.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/v1/domains/web", null)]
    [InlineData("/v1/domains/...", null)]
    [InlineData("/v1/domains/%2E%2E%2E", null)]
    [InlineData("http://vireod/v1/domains/%2E", null)]
    [InlineData("/v1/pools/%2E/volumes/a%2Fb%20c", "/v1/pools/./volumes/a%2Fb c")]
    public void Only_a_path_with_dot_segments_is_given_back(string rawTarget, string? path) =>
        Assert.Equal(path, DotSegmentPaths.AsSent(rawTarget)?.Value);

    // HttpClient would drop the dot segments itself.
    private static Uri AsWritten(string target) =>
        new("http://vireod" + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
