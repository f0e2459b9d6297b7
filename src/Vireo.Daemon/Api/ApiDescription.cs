using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Api;

/// <summary>
/// The API's OpenAPI document. Microsoft.AspNetCore.OpenApi describes the endpoints as mapped (their
/// parameters, bodies and the records they return, with the schemas of the source-generated JSON contract);
/// the build runs the generator once and ships the result next to vireod.dll as <see cref="FileName"/>;
/// GET /v1/openapi.json serves that file as it is.
/// </summary>
public static class ApiDescription
{
    public const string FileName = "openapi.json";

    /// <summary>The build-time document vireod serves.</summary>
    public static string DocumentPath => Path.Combine(AppContext.BaseDirectory, FileName);

    private const string ErrorSchema = nameof(ErrorResponse);

    public static IServiceCollection AddApiDescription(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
        o.AddSchemaTransformer<ContractSchemas>();
        o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info = new OpenApiInfo { Title = "vireod API", Version = "1", Description = Description };
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                ["bearerToken"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The TCP listener only (vireod --listen): the token of vireod's --token-file.",
                },
            };
            // Either nothing (the unix socket, where the file mode decides) or the bearer token (TCP).
            doc.Security = [new OpenApiSecurityRequirement(), new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearerToken", doc)] = [] }];
            return Task.CompletedTask;
        });
        o.AddOperationTransformer(async (op, ctx, ct) =>
        {
            var schema = await ctx.GetOrCreateSchemaAsync(typeof(ErrorResponse), null, ct);
            ctx.Document!.AddComponent(ErrorSchema, schema);
            op.Responses ??= [];
            op.Responses["default"] = new OpenApiResponse
            {
                Description = ErrorDescription,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchema, ctx.Document) },
                },
            };
        });
    });

    /// <summary>GET /v1/openapi.json: the file, as it was built.</summary>
    public static IResult Serve() => File.Exists(DocumentPath)
        ? Results.File(DocumentPath, "application/json")
        : throw new VireoException(ErrorCode.InternalError,
            $"the API description {DocumentPath} is missing: it is generated when vireod is built and belongs next to vireod.dll");

    private const string Description =
        "REST API of the Vireo daemon. Everything is under /v1. Errors use the ErrorResponse shape with the matching HTTP status. " +
        "On the unix socket the file mode (0660) decides who may connect; on the TCP listener (vireod --listen) every request needs " +
        "'Authorization: Bearer TOKEN' with the token of vireod's --token-file. Requests from web browsers (an Origin header, " +
        "Sec-Fetch-Site cross-site or same-site) are refused with 403, and request bodies must be application/json, application/xml, " +
        "text/xml or application/octet-stream (415 otherwise). Request bodies refuse unknown members; clients should ignore members " +
        "of answers they do not know.";

    private const string ErrorDescription =
        "An error, as {code, message, details}. The status says its kind: 400 invalid request or XML, 401/403 refused, " +
        "404 no such object or route, 405 method not allowed, 409 invalid in the object's state, 413 body too large, " +
        "414 URI too long, 415 wrong media type, 422 unsupported configuration, 500 operation failed or internal error, " +
        "504 timed out (a QEMU monitor that does not answer).";
}
