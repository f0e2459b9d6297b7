using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.OpenApi;

namespace Vireo.Daemon.Api;

/// <summary>What an endpoint's signature cannot tell the OpenAPI document: what a path or query parameter means and which values it takes.</summary>
public static class OpenApiMetadata
{
    /// <summary>Describes parameter <paramref name="name"/>; with <paramref name="values"/>, the strings it accepts.</summary>
    /// <exception cref="InvalidOperationException">When the document is generated, if the endpoint has no such parameter.</exception>
    public static TBuilder WithParameter<TBuilder>(this TBuilder builder, string name, string description, params string[] values)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((op, ctx, _) =>
        {
            var parameter = op.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == name)
                ?? throw new InvalidOperationException($"{ctx.Description.HttpMethod} /{ctx.Description.RelativePath} has no parameter '{name}' to describe");
            parameter.Description = description;
            // A schema of its own: the generator may share one string schema between parameters.
            if (values.Length > 0)
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList() };
            return Task.CompletedTask;
        });

    /// <summary>The 200 answer is also the object's libvirt XML, for a request with Accept: application/xml.</summary>
    public static RouteHandlerBuilder OrXml(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((op, ctx, _) =>
        {
            var ok = op.Responses?.GetValueOrDefault("200") as OpenApiResponse
                ?? throw new InvalidOperationException($"{ctx.Description.HttpMethod} /{ctx.Description.RelativePath} has no 200 answer to offer as XML too");
            ok.Content ??= new Dictionary<string, OpenApiMediaType>();
            ok.Content["application/xml"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            return Task.CompletedTask;
        });

    /// <summary>For a group: describes parameter <paramref name="name"/> on those of its endpoints that have it.</summary>
    public static TBuilder WithParameterWherePresent<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((op, _, _) =>
        {
            if (op.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == name) is { } parameter) parameter.Description = description;
            return Task.CompletedTask;
        });

    /// <summary>
    /// The request body, in one of <paramref name="contentTypes"/>, which the handler reads itself. For the document
    /// only: <c>Accepts()</c> would make routing refuse any other type with a bare 415 before the handler can say
    /// what it takes ("takes domain XML as application/xml or text/xml").
    /// </summary>
    public static RouteHandlerBuilder WithBody(this RouteHandlerBuilder builder, params string[] contentTypes) =>
        builder.AddOpenApiOperationTransformer((op, _, _) =>
        {
            op.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = contentTypes.ToDictionary(t => t, t => new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = t == "application/octet-stream" ? "binary" : null },
                }),
            };
            return Task.CompletedTask;
        });
}
