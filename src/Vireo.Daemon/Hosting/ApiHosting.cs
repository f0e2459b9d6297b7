using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Vireo.Contracts;
using Vireo.Daemon.Api;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// The HTTP side of vireod, one place for vireod and the tests that drive the real pipeline: listeners
/// and limits, how request bodies are read, and the middleware order.
/// </summary>
public static class ApiHosting
{
    /// <summary>Largest request body, except where an endpoint lifts it (volume uploads).</summary>
    public const long MaxRequestBodySize = 8 * 1024 * 1024;

    public static void Listen(IWebHostBuilder host, string unixSocketPath, ListenerAccess access) => host.ConfigureKestrel(k =>
    {
        k.ListenUnixSocket(unixSocketPath, unix => unix.Use(access.TrackUnixSocket));
        if (access.TcpEndPoint is { } tcp) k.Listen(tcp);
        k.Limits.MaxRequestBodySize = MaxRequestBodySize;
        // Over ApiGuard.MaxTargetLength, ApiGuard answers 414 in the API's error shape; Kestrel's own 414 has no body.
        k.Limits.MaxRequestLineSize = ApiGuard.KestrelRequestLineLimit;
    });

    public static void AddApi(IServiceCollection services, ListenerAccess access)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            VireoJsonContext.ApplyRequestRules(o.SerializerOptions);
            o.SerializerOptions.Encoder = VireoJsonContext.Readable.Options.Encoder;
        });
        // Binding failures become exceptions so ErrorMiddleware answers them in the API's error shape.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSingleton(access);
        services.AddSingleton<ApiErrorReporter>();
    }

    /// <summary>The middleware, before the endpoints are mapped.</summary>
    public static void UseApi(WebApplication app)
    {
        // Outermost, before routing: whatever fails, routing included, is answered in the API's error shape.
        app.UseMiddleware<ErrorMiddleware>();
        app.UseMiddleware<ApiGuard>();
        app.UseMiddleware<DotSegmentPaths>();
        app.UseRouting();
        app.UseWebSockets();
    }
}
