using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Api;

/// <summary>Request bodies shared by the endpoint groups.</summary>
internal static class Body
{
    public static bool WantsXml(HttpRequest req) =>
        req.Headers.Accept.Any(a => a is not null && (a.Contains("application/xml") || a.Contains("text/xml")));

    /// <summary>An XML document sent as application/xml or text/xml (ApiGuard has already refused other types of body).</summary>
    public static async Task<string> ReadXml(HttpRequest req, string what)
    {
        var empty = new VireoException(ErrorCode.InvalidXml, $"the request body is empty: expected {what}");
        if (req.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }) throw empty;
        if (!MediaTypeHeaderValue.TryParse(req.ContentType, out var media)
            || !(media.MediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase) || media.MediaType.Equals("text/xml", StringComparison.OrdinalIgnoreCase)))
            throw new ApiErrorException(415, ApiErrorCodes.UnsupportedMediaType,
                $"{req.Method} {req.Path} takes {what} as application/xml or text/xml, not '{req.ContentType ?? "(no Content-Type)"}'");
        using var reader = new StreamReader(req.Body);
        var xml = await reader.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(xml)) throw empty;
        return xml;
    }
}
