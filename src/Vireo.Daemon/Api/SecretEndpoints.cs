using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Secrets;

namespace Vireo.Daemon.Api;

/// <summary>/v1/secrets: definitions and values (values travel base64 in JSON, never in a URL).</summary>
public static class SecretEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/secrets");
        g.MapGet("", (SecretService s) => s.List());
        g.MapPost("", async (HttpRequest req, SecretService s) => s.Define(await Body.ReadXml(req, "secret XML")));
        g.MapGet("/{uuid}", (HttpRequest req, SecretService s, string uuid) =>
            Body.WantsXml(req) ? Results.Text(s.GetXml(uuid), "application/xml") : Results.Json(s.Get(uuid), VireoJsonContext.Readable.SecretSummary));
        g.MapDelete("/{uuid}", (SecretService s, string uuid) =>
        {
            s.Undefine(uuid);
            return Results.NoContent();
        });
        g.MapPut("/{uuid}/value", (SecretService s, string uuid, SecretValue body) =>
        {
            s.SetValue(uuid, body.Value);
            return s.Get(uuid);
        });
        g.MapGet("/{uuid}/value", (SecretService s, string uuid) => new SecretValue { Value = s.GetValueBase64(uuid) });
    }
}
