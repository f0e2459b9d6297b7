using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Vireo.Daemon.Api;

/// <summary>
/// Schemas as the contract declares them (Vireo.Contracts' records and their source-generated JSON), not as
/// vireod's reader happens to be lenient: a member the record declares non-null is never null in an answer
/// (the reader's options mark every getter nullable so that writing is not checked), and a number is a
/// number (ASP.NET's web defaults also read numbers from strings, which no client should rely on).
/// </summary>
public sealed class ContractSchemas : IOpenApiSchemaTransformer
{
    private readonly NullabilityInfoContext _nullability = new();

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        if (schema.Type is { } t && (t & JsonSchemaType.Null) != 0 && DeclaredNonNull(context.JsonPropertyInfo))
            schema.Type = t & ~JsonSchemaType.Null;
        return Task.CompletedTask;
    }

    private bool DeclaredNonNull(System.Text.Json.Serialization.Metadata.JsonPropertyInfo? property)
    {
        if (property?.AttributeProvider is not PropertyInfo member) return false;
        lock (_nullability) return _nullability.Create(member).ReadState == NullabilityState.NotNull;
    }
}
