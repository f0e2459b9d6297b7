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
        var g = app.MapGroup("/v1/secrets").WithTags("Secrets").WithParameterWherePresent("uuid", "the secret's UUID, or its usage ID");
        g.MapGet("", (SecretService s) => s.List().Select(SecretMapping.Secret).ToList())
            .WithName("ListSecrets").WithSummary("List secrets");
        g.MapPost("", async (HttpRequest req, SecretService s) => SecretMapping.Secret(await s.DefineAsync(await Body.ReadXml(req, "secret XML"))))
            .WithName("DefineSecret").WithSummary("Define a secret from libvirt XML").WithBody("application/xml", "text/xml");
        g.MapGet("/{uuid}", (HttpRequest req, SecretService s, string uuid) =>
            Body.WantsXml(req)
                ? Results.Text(s.GetXml(uuid), "application/xml")
                : Results.Json(SecretMapping.Secret(s.Get(uuid)), VireoJsonContext.Readable.SecretSummary))
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
            // As virsh: the secret is looked up before its value is read.
            var key = s.Get(uuid).Uuid.ToString();
            s.SetValue(key, SecretMapping.Value(body));
            return SecretMapping.Secret(s.Get(key));
        })
        .WithName("SetSecretValue").WithSummary("Set the value (base64)");
        g.MapGet("/{uuid}/value", (SecretService s, string uuid) => SecretMapping.Value(s.GetValue(uuid)))
            .WithName("GetSecretValue").WithSummary("Get the value (base64); refused for private secrets");
    }
}
