using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Vireo.Contracts;

/// <summary>
/// The two directions of the contract. vireod reads requests strictly: an unknown member, a null where
/// the record has no null, or nesting past <see cref="MaxRequestDepth"/> is a 400, never half understood.
/// Clients read answers leniently: members they do not know are skipped, so an older CLI keeps working
/// with a newer vireod that added a field.
/// A member with a default value is <c>set</c>, not <c>init</c>: for an init member the JSON leaves out,
/// the source generator passes default(T) and the record's default is lost (dotnet/runtime#84484).
/// </summary>
public sealed partial class VireoJsonContext
{
    /// <summary>How deep a request body may nest (a JSON bomb fails at this depth, not in the heap).</summary>
    public const int MaxRequestDepth = 64;

    /// <summary>How clients read vireod's answers: unknown members skipped.</summary>
    public static VireoJsonContext Responses => s_responses ??= new(new JsonSerializerOptions(Default.Options)
    {
        TypeInfoResolver = null,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    });

    private static VireoJsonContext? s_responses;

    /// <summary>
    /// Sets vireod's rules for reading request bodies on <paramref name="options"/> (which also writes its
    /// answers: the null check applies to what is read, never to what is written).
    /// </summary>
    public static void ApplyRequestRules(JsonSerializerOptions options)
    {
        // The context supplies the records' metadata; member names follow the options that use it.
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.MaxDepth = MaxRequestDepth;
        options.RespectNullableAnnotations = true;
        options.TypeInfoResolverChain.Insert(0, Readable.WithAddedModifier(WritesAreNotChecked));
    }

    private static void WritesAreNotChecked(JsonTypeInfo type)
    {
        foreach (var p in type.Properties)
            if (!p.PropertyType.IsValueType || Nullable.GetUnderlyingType(p.PropertyType) is not null) p.IsGetNullable = true;
    }
}
