using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Vireo.Daemon.Hosting;

namespace Vireo.Daemon.Api;

/// <summary>
/// Who may talk to the API, checked before any endpoint runs, on every listener:
/// no web browser (a page on any site could otherwise drive vireod through the user's machine), request
/// bodies only in the API's own media types (what a page can send without asking, text/plain, forms and
/// multipart, is refused), and on anything but the unix socket, whose file mode decides who connects,
/// the bearer token.
/// </summary>
public sealed class ApiGuard(RequestDelegate next, ListenerAccess access)
{
    /// <summary>Longest path and query the API answers; Kestrel itself takes up to <see cref="KestrelRequestLineLimit"/>.</summary>
    public const int MaxTargetLength = 8 * 1024;

    public const int KestrelRequestLineLimit = 64 * 1024;

    /// <summary>The media types of API request bodies: JSON records, libvirt XML, volume uploads.</summary>
    public static readonly IReadOnlyList<string> BodyMediaTypes = ["application/json", "application/xml", "text/xml", "application/octet-stream"];

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (Refusal(ctx) is { } refusal) throw refusal;
        await next(ctx);
    }

    private ApiErrorException? Refusal(HttpContext ctx)
    {
        var req = ctx.Request;
        if (req.Headers.Origin.Count > 0 || req.Headers["Sec-Fetch-Site"].Any(v => v is not null
                && (v.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || v.Equals("same-site", StringComparison.OrdinalIgnoreCase))))
            return new ApiErrorException(403, ApiErrorCodes.AccessDenied,
                $"requests from web browsers are refused (the request has {(req.Headers.Origin.Count > 0 ? "an Origin header" : "Sec-Fetch-Site: " + req.Headers["Sec-Fetch-Site"])}): " +
                "vireod's API is for the vireo CLI and programs, not for web pages");
        if (!access.IsUnixSocketConnection(ctx.Connection.Id) && Unauthenticated(req) is { } why)
            return new ApiErrorException(401, ApiErrorCodes.AuthFailed, why);
        var target = (req.Path.Value?.Length ?? 0) + (req.QueryString.Value?.Length ?? 0);
        if (target > MaxTargetLength)
            return new ApiErrorException(414, ApiErrorCodes.UriTooLong, $"the request URI is {target} bytes long; the API takes at most {MaxTargetLength}");
        if (HasBody(ctx) && UnacceptedBody(req) is { } media)
            return new ApiErrorException(415, ApiErrorCodes.UnsupportedMediaType, media);
        return null;
    }

    private string? Unauthenticated(HttpRequest req)
    {
        // Without a token nothing is served off the socket: vireod refuses --listen without one, and this holds if that ever changes.
        if (access.TcpToken is not { } token) return "this listener serves nothing: vireod has no token (--token-file)";
        var header = req.Headers.Authorization.ToString();
        if (header.Length == 0)
            return "authentication required: send the token of vireod's token file as 'Authorization: Bearer TOKEN'";
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return "authentication required: the Authorization header must be 'Bearer TOKEN'";
        return token.Matches(header["Bearer ".Length..].Trim()) ? null : "authentication failed: the bearer token is not vireod's token";
    }

    private static bool HasBody(HttpContext ctx) =>
        ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? ctx.Request.ContentLength > 0;

    private static string? UnacceptedBody(HttpRequest req)
    {
        if (string.IsNullOrEmpty(req.ContentType))
            return $"the request has a body but no Content-Type: send {string.Join(", ", BodyMediaTypes)}";
        if (!MediaTypeHeaderValue.TryParse(req.ContentType, out var media) || media.MediaType.Value is not { } type)
            return $"unreadable Content-Type '{req.ContentType}'";
        return BodyMediaTypes.Contains(type.ToLowerInvariant())
            ? null
            : $"request bodies of type '{type}' are refused: the API takes {string.Join(", ", BodyMediaTypes)}";
    }
}
