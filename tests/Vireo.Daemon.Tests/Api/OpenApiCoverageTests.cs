using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// The OpenAPI document vireod's build generates, against the endpoints vireod's application really maps:
/// the same routes and methods both ways, each operation described, every schema a record of the contract
/// with exactly its members, and GET /v1/openapi.json serving the build's file as it is.
/// </summary>
public sealed class OpenApiCoverageTests(DaemonAppFixture app) : IClassFixture<DaemonAppFixture>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    private JsonObject Paths => app.Document["paths"]!.AsObject();

    private IEnumerable<(string Method, string Path, JsonObject Operation)> Operations() =>
        Paths.SelectMany(p => p.Value!.AsObject().Where(m => Methods.Contains(m.Key)).Select(m => (m.Key.ToUpperInvariant(), p.Key, m.Value!.AsObject())));

    [Fact]
    public void The_document_has_every_route_of_the_application_and_no_other()
    {
        var routes = app.Routes();
        Assert.True(routes.Count > 60, $"only {routes.Count} routes: is this vireod's application?");
        var documented = Operations().Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal).ToList();
        var missing = routes.Except(documented).ToList();
        var extra = documented.Except(routes).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"mapped but not in openapi.json:\n  {string.Join("\n  ", missing)}\nin openapi.json but not mapped:\n  {string.Join("\n  ", extra)}");
    }

    [Fact]
    public void Every_operation_is_described_with_its_errors()
    {
        var ids = new HashSet<string>();
        foreach (var (method, path, op) in Operations())
        {
            var where = $"{method} {path}";
            Assert.True((string?)op["operationId"] is { Length: > 0 } id && ids.Add(id), $"{where}: no operationId, or one another operation has (.WithName)");
            Assert.True((string?)op["summary"] is { Length: > 0 }, $"{where}: no summary (.WithSummary)");
            Assert.True(op["tags"]?.AsArray().Count == 1, $"{where}: not in exactly one tag (.WithTags)");
            var responses = op["responses"]!.AsObject();
            Assert.True(responses.Any(r => r.Key.StartsWith('2') || r.Key == "101"), $"{where}: no success answer");
            Assert.Equal("#/components/schemas/ErrorResponse", (string?)responses["default"]?["content"]?["application/json"]?["schema"]?["$ref"]);
            foreach (var parameter in op["parameters"]?.AsArray() ?? [])
                Assert.True(parameter!["schema"] is not null, $"{where}: parameter {parameter["name"]} has no schema");
        }
    }

    [Fact]
    public void Every_schema_is_a_contract_record_with_exactly_its_members()
    {
        var schemas = app.Document["components"]!["schemas"]!.AsObject();
        foreach (var (name, schema) in schemas)
        {
            var type = ContractType(name);
            Assert.True(type is not null, $"openapi.json describes {name}, which is no type of the API's contract");
            if (type == typeof(Stream))
            {
                Assert.Equal("binary", (string?)schema!["format"]);
                continue;
            }
            var info = VireoJsonContext.Default.GetTypeInfo(type!)!;
            Assert.Equal(info.Properties.Select(p => p.Name).Order(), schema!["properties"]!.AsObject().Select(p => p.Key).Order());
            Assert.Equal(info.Properties.Where(p => p.IsRequired).Select(p => p.Name).Order(),
                (schema["required"]?.AsArray() ?? []).Select(r => (string)r!).Order());
            foreach (var property in info.Properties)
                Assert.True(Nullable(schema["properties"]![property.Name]!) == DeclaredNullable(property),
                    $"{name}.{property.Name}: the record says {(DeclaredNullable(property) ? "" : "not ")}nullable, openapi.json the opposite");
        }
    }

    [Fact]
    public void Every_reference_names_a_schema_of_the_document()
    {
        var schemas = app.Document["components"]!["schemas"]!.AsObject();
        var refs = References(app.Document).ToList();
        Assert.NotEmpty(refs);
        var dangling = refs.Where(r => !(r.StartsWith("#/components/schemas/") && schemas.ContainsKey(r["#/components/schemas/".Length..]))
            && r != "#/components/securitySchemes/bearerToken").ToList();
        Assert.True(dangling.Count == 0, "references to nothing: " + string.Join(", ", dangling));
        // Each request and answer body names a schema, records by reference.
        foreach (var (method, path, op) in Operations())
        {
            var bodies = (op["requestBody"]?["content"]?.AsObject() ?? []).Concat(op["responses"]!.AsObject()
                .SelectMany(r => r.Value!["content"]?.AsObject() ?? []));
            foreach (var (media, body) in bodies)
                Assert.True(body?["schema"] is JsonObject { Count: > 0 }, $"{method} {path}: {media} has no schema");
        }
    }

    [Fact]
    public async Task The_served_document_is_the_build_time_file()
    {
        using var http = ApiTestServer.UnixClient(app.Socket);
        using var response = await http.GetAsync("v1/openapi.json");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllTextAsync(DaemonAppFixture.BuildTimeDocumentPath), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Building_and_starting_the_application_creates_nothing_under_its_root()
    {
        // The build-time generator runs the same application: it must not touch the host it builds on.
        Assert.Empty(Directory.EnumerateFileSystemEntries(app.Root));
    }

    private static Type? ContractType(string name) =>
        name == nameof(Stream) ? typeof(Stream) : typeof(DomainSummary).Assembly.GetType("Vireo.Contracts." + name);

    private static bool Nullable(JsonNode schema) =>
        schema["type"] is JsonArray types ? types.Any(t => (string?)t == "null")
        : schema["oneOf"] is JsonArray options && options.Any(o => (string?)o?["type"] == "null");

    private static readonly System.Reflection.NullabilityInfoContext NullabilityContext = new();

    private static bool DeclaredNullable(JsonPropertyInfo p) =>
        p.PropertyType.IsValueType ? System.Nullable.GetUnderlyingType(p.PropertyType) is not null
        : NullabilityContext.Create((System.Reflection.PropertyInfo)p.AttributeProvider!).ReadState != System.Reflection.NullabilityState.NotNull;

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" ? [(string)p.Value!] : References(p.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };
}
