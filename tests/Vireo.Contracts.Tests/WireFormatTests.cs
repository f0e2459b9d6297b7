using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Contracts.Tests;

/// <summary>
/// The records are the API's wire format, shared by vireod and the Native AOT CLI: every one must have
/// source-generated metadata (without it the AOT CLI fails at run time). That the OpenAPI document
/// describes them as they are is checked against vireod's application (Vireo.Daemon.Tests' OpenApiCoverageTests).
/// </summary>
public class WireFormatTests
{
    private static readonly Type[] Records = typeof(DomainSummary).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == "Vireo.Contracts" && t.IsClass && !t.IsAbstract && !typeof(System.Text.Json.Serialization.JsonSerializerContext).IsAssignableFrom(t))
        .ToArray();

    [Fact]
    public void Every_contract_record_has_source_generated_metadata()
    {
        Assert.NotEmpty(Records);
        var missing = Records.Where(t => VireoJsonContext.Default.GetTypeInfo(t) is null).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, "not in VireoJsonContext: " + string.Join(", ", missing));
    }

    [Fact]
    public void Errors_have_the_one_shape_of_the_design_written_readably()
    {
        var json = JsonSerializer.Serialize(new ErrorResponse { Code = "NoDomain", Message = "Domain not found: no domain with matching name 'x' <ü>", Details = ["a", "b"] },
            VireoJsonContext.Readable.ErrorResponse);
        Assert.Equal("""{"code":"NoDomain","message":"Domain not found: no domain with matching name 'x' <ü>","details":["a","b"]}""", json);
        // Still the same contract: what Default (the CLI's reader) makes of it is the same record.
        Assert.Equal(["a", "b"], JsonSerializer.Deserialize(json, VireoJsonContext.Default.ErrorResponse)!.Details);
    }

    [Fact]
    public void Null_members_are_left_out_and_names_are_camel_case()
    {
        var json = JsonSerializer.Serialize(new DomainSummary { Name = "g", Uuid = "u", State = "shut off", Reason = "unknown", Persistent = true },
            VireoJsonContext.Default.DomainSummary);
        Assert.Equal("""{"name":"g","uuid":"u","state":"shut off","reason":"unknown","persistent":true,"autostart":false}""", json);
    }

    [Fact]
    public void Unknown_members_are_refused_not_dropped()
    {
        // A request with a misspelt field must fail, not be half understood.
        var e = Assert.ThrowsAny<JsonException>(() =>
            JsonSerializer.Deserialize("""{"command":"info status","hmpp":true}""", VireoJsonContext.Default.MonitorCommandRequest));
        Assert.Contains("hmpp", e.Message);
    }

    [Fact]
    public void Required_members_are_required()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize("""{"hmp":true}""", VireoJsonContext.Default.MonitorCommandRequest));
    }
}
