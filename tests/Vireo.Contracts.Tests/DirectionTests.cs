using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Contracts.Tests;

/// <summary>
/// The contract read in its two directions: vireod refuses what it does not understand in a request;
/// a client skips what it does not know in an answer, so an older CLI works with a newer vireod.
/// </summary>
public class DirectionTests
{
    private static readonly JsonSerializerOptions RequestRules = Rules();

    private static JsonSerializerOptions Rules()
    {
        var o = new JsonSerializerOptions();
        VireoJsonContext.ApplyRequestRules(o);
        return o;
    }

    private const string NewerDomainSummary = """
        {"id":1,"name":"web","uuid":"u","state":"running","reason":"booted","persistent":true,"autostart":false,
         "cpuTimeNs":123,"placement":{"numa":[0,1],"host":"h"},"tags":["a"]}
        """;

    [Fact]
    public void Clients_skip_answer_members_they_do_not_know()
    {
        var s = JsonSerializer.Deserialize(NewerDomainSummary, VireoJsonContext.Responses.DomainSummary)!;
        Assert.Equal((1, "web", "running"), (s.Id, s.Name, s.State));
        var list = JsonSerializer.Deserialize("[" + NewerDomainSummary + "]", VireoJsonContext.Responses.ListDomainSummary)!;
        Assert.Equal("web", Assert.Single(list).Name);
        var error = JsonSerializer.Deserialize("""{"code":"NoDomain","message":"m","details":[],"hint":"x"}""", VireoJsonContext.Responses.ErrorResponse)!;
        Assert.Equal(("NoDomain", "m"), (error.Code, error.Message));
    }

    [Fact]
    public void Answers_must_still_have_their_required_members()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize("""{"name":"web","extra":1}""", VireoJsonContext.Responses.DomainSummary));
    }

    [Fact]
    public void Requests_refuse_unknown_members_and_nulls_the_record_does_not_allow()
    {
        var unknown = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<AutostartRequest>("""{"enabled":true,"enabeld":false}""", RequestRules));
        Assert.Contains("enabeld", unknown.Message);
        var nul = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<SecretValue>("""{"value":null}""", RequestRules));
        Assert.Equal("$.value", nul.Path);
        // A member whose type allows null takes it.
        Assert.Null(JsonSerializer.Deserialize<InstallRequest>("""{"name":"x","location":null}""", RequestRules)!.Location);
    }

    [Fact]
    public void Vireod_writes_its_answers_without_the_null_check()
    {
        // The check is for what callers send; an answer with a null where the record has none is still written.
        Assert.Equal("""{"value":null}""", JsonSerializer.Serialize(new SecretValue { Value = null! }, RequestRules));
    }

    [Fact]
    public async Task A_request_nested_past_the_depth_limit_fails_at_the_limit()
    {
        const int levels = 100_000;
        var bomb = Encoding.UTF8.GetBytes("{\"enabled\":" + new string('[', levels) + new string(']', levels) + "}");
        // Read as vireod reads a body, a piece at a time: the value is buffered, and counted, before it is converted.
        var e = await Assert.ThrowsAnyAsync<JsonException>(async () =>
            await JsonSerializer.DeserializeAsync<AutostartRequest>(new TrickleStream(bomb, 4096), RequestRules));
        Assert.Contains($"maximum configured depth of {VireoJsonContext.MaxRequestDepth}", e.Message);
    }

    [Fact]
    public void Members_left_out_of_the_json_keep_their_defaults()
    {
        var r = JsonSerializer.Deserialize<InstallRequest>("""{"name":"x","disks":[{"path":"/d"}]}""", RequestRules)!;
        Assert.Equal((0, 0), (r.InitrdInject.Count, r.Checks.Count));
        Assert.Equal((true, "disk"), (r.Disks[0].Sparse, r.Disks[0].Device));
        Assert.Equal(-1, JsonSerializer.Deserialize<AgentCommandRequest>("""{"command":"{}"}""", RequestRules)!.Timeout);
        Assert.Empty(JsonSerializer.Deserialize("""{"code":"c","message":"m"}""", VireoJsonContext.Responses.ErrorResponse)!.Details);
    }

    [Fact]
    public void No_contract_member_with_a_default_is_init_only()
    {
        // The source generator passes default(T) for an init member the JSON leaves out (dotnet/runtime#84484).
        var lost = new List<string>();
        foreach (var type in typeof(DomainSummary).Assembly.GetExportedTypes().Where(t => t.Namespace == "Vireo.Contracts" && t.IsClass && !t.IsAbstract
                     && !typeof(System.Text.Json.Serialization.JsonSerializerContext).IsAssignableFrom(t)))
        {
            var instance = Activator.CreateInstance(type)!;
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(IsInitOnly))
            {
                var value = p.GetValue(instance);
                var zero = p.PropertyType.IsValueType ? Activator.CreateInstance(p.PropertyType) : null;
                if (!Equals(value, zero)) lost.Add($"{type.Name}.{p.Name}");
            }
        }
        Assert.True(lost.Count == 0, "init-only members with a default (make them 'set'): " + string.Join(", ", lost));
    }

    private static bool IsInitOnly(PropertyInfo p) =>
        p.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) == true;

    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read, as a socket does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], ct);
    }
}
