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
        var g = app.MapGroup("/v1/secrets").WithTags("Secrets").WithParameterWherePresent("uuid", "the secret's UUID, or its usage ID");
        g.MapGet("", (SecretService s) => s.List())
            .WithName("ListSecrets").WithSummary("List secrets");
        g.MapPost("", async (HttpRequest req, SecretService s) => s.Define(await Body.ReadXml(req, "secret XML")))
            .WithName("DefineSecret").WithSummary("Define a secret from libvirt XML").Accepts<string>("application/xml", "text/xml");
        g.MapGet("/{uuid}", (HttpRequest req, SecretService s, string uuid) =>
            Body.WantsXml(req) ? Results.Text(s.GetXml(uuid), "application/xml") : Results.Json(s.Get(uuid), VireoJsonContext.Readable.SecretSummary))
            .WithName("GetSecret").WithSummary("Secret information (JSON), or its XML with Accept: application/xml")
            .Produces<SecretSummary>().OrXml();
        g.MapDelete("/{uuid}", (SecretService s, string uuid) =>
        {
            s.Undefine(uuid);
            return Results.NoContent();
        })
        .WithName("UndefineSecret").WithSummary("Undefine a secret").Produces(StatusCodes.Status204NoContent);
        g.MapPut("/{uuid}/value", (SecretService s, string uuid, SecretValue body) =>
        {
            s.SetValue(uuid, body.Value);
            return s.Get(uuid);
        })
        .WithName("SetSecretValue").WithSummary("Set the value (base64)");
        g.MapGet("/{uuid}/value", (SecretService s, string uuid) => new SecretValue { Value = s.GetValueBase64(uuid) })
            .WithName("GetSecretValue").WithSummary("Get the value (base64); refused for private secrets");
    }
}
