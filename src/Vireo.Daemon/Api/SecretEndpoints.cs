using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Secrets;

namespace Vireo.Daemon.Api;

/// <summary>/v1/secrets: definitions and values (values travel base64 in JSON, never in a URL); maps what <see cref="SecretService"/> returns (<see cref="SecretMapping"/>).</summary>
public static class SecretEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/secrets");
        g.MapGet("", (SecretService s) => s.List().Select(SecretMapping.Secret).ToList());
        g.MapPost("", async (HttpRequest req, SecretService s) => SecretMapping.Secret(await s.DefineAsync(await Body.ReadXml(req, "secret XML"))));
        g.MapGet("/{uuid}", (HttpRequest req, SecretService s, string uuid) =>
            Body.WantsXml(req)
                ? Results.Text(s.GetXml(uuid), "application/xml")
                : Results.Json(SecretMapping.Secret(s.Get(uuid)), VireoJsonContext.Readable.SecretSummary));
        g.MapDelete("/{uuid}", (SecretService s, string uuid) =>
        {
            s.Undefine(uuid);
            return Results.NoContent();
        });
        g.MapPut("/{uuid}/value", (SecretService s, string uuid, SecretValue body) =>
        {
            // As virsh: the secret is looked up before its value is read.
            var key = s.Get(uuid).Uuid.ToString();
            s.SetValue(key, SecretMapping.Value(body));
            return SecretMapping.Secret(s.Get(key));
        });
        g.MapGet("/{uuid}/value", (SecretService s, string uuid) => SecretMapping.Value(s.GetValue(uuid)));
    }
}
