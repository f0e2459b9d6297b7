using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Vireo.Daemon.Hosting;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// vireod's own web application (<see cref="DaemonApp"/>, every endpoint vireod maps) started on a unix
/// socket in a temp directory, with an empty root of its own; nothing in it is initialised. Also the
/// OpenAPI document vireod's build generated, read from next to vireod.dll.
/// </summary>
public sealed class DaemonAppFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-app-").FullName;
    private WebApplication _app = null!;

    public string Root => Path.Combine(_dir, "root");
    public string Socket => Path.Combine(_dir, "api.sock");
    public WebApplication App => _app;

    /// <summary>The file the build wrote: src/Vireo.Daemon/bin/CONFIGURATION/net10.0/openapi.json.</summary>
    public static string BuildTimeDocumentPath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vireo.slnx"))) dir = dir.Parent;
            var configuration = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";
            return Path.Combine(dir!.FullName, "src/Vireo.Daemon/bin", configuration, "net10.0", Daemon.Api.ApiDescription.FileName);
        }
    }

    public JsonNode Document { get; } = JsonNode.Parse(File.ReadAllText(BuildTimeDocumentPath))!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        var options = new DaemonOptions { Root = Root, NoDefaultNetwork = true };
        var access = ListenerAccess.For(options);
        _app = DaemonApp.Build(options, new VireoPaths(Root), access, host => ApiHosting.Listen(host, Socket, access));
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>"GET /v1/domains/{name}" for each method of each endpoint the application routes to.</summary>
    public IReadOnlyList<string> Routes() => _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => $"{m} {PathOf(e.RoutePattern)}"))
        .Order(StringComparer.Ordinal).ToList();

    private static string PathOf(RoutePattern pattern) => "/" + string.Join("/", pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
    {
        RoutePatternLiteralPart l => l.Content,
        RoutePatternSeparatorPart sep => sep.Content,
        RoutePatternParameterPart param => "{" + param.Name + "}",
        _ => throw new InvalidOperationException($"unexpected route part in {pattern.RawText}"),
    }))));
}
