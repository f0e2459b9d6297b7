using Microsoft.AspNetCore.Http;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Api;

/// <summary>Request bodies shared by the endpoint groups.</summary>
internal static class Body
{
    public static bool WantsXml(HttpRequest req) =>
        req.Headers.Accept.Any(a => a is not null && (a.Contains("application/xml") || a.Contains("text/xml")));

    public static async Task<string> ReadXml(HttpRequest req, string what)
    {
        using var reader = new StreamReader(req.Body);
        var xml = await reader.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(xml)) throw new VireoException(ErrorCode.InvalidXml, $"the request body is empty: expected {what}");
        return xml;
    }
}
