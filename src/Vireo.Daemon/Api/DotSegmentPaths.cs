using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Vireo.Daemon.Api;

/// <summary>
/// Kestrel removes "." and ".." segments from a request's path, percent-encoded ones too (%2E), so
/// <c>GET /v1/domains/%2E%2E/state</c> would reach <c>GET /v1/state</c> and <c>GET /v1/domains/%2E</c> the domain
/// list. In vireod's paths a segment is a name, and "." and ".." are names that never exist (no object may be
/// called that): the path is given back as it was sent, so the endpoint the request named answers that there is
/// no such object, in the API's error shape.
/// </summary>
public sealed class DotSegmentPaths(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext ctx)
    {
        if (AsSent(ctx.Features.Get<IHttpRequestFeature>()?.RawTarget) is { } path) ctx.Request.Path = path;
        return next(ctx);
    }

    /// <summary>The decoded path of <paramref name="rawTarget"/> with its dot segments kept; null when it has none.</summary>
    public static PathString? AsSent(string? rawTarget)
    {
        if (rawTarget is null || !rawTarget.StartsWith('/')) return null;
        var end = rawTarget.IndexOf('?');
        var segments = (end < 0 ? rawTarget : rawTarget[..end]).Split('/').Select(Decode).ToList();
        if (!segments.Any(s => s is "." or "..")) return null;
        return new PathString(string.Join('/', segments));
    }

    // As Kestrel decodes a path: everything but %2F, which would change where the segments end.
    private static string Decode(string segment) =>
        Uri.UnescapeDataString(segment.Replace("%2F", "%252F").Replace("%2f", "%252f"));
}
