using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vireo.Daemon.Api;

/// <summary>
/// A request that could not be bound, in the caller's terms: which member or parameter and what is
/// wrong with it, without the .NET type names and hints meant for the developers of the records.
/// </summary>
internal static partial class BindingProblem
{
    public static string Json(JsonException e)
    {
        var where = e.Path is { Length: > 0 } p && p != "$" ? p : null;
        var member = where?.Split('.', '[').LastOrDefault(s => s.Length > 0 && s != "$")?.TrimEnd(']');
        var raw = e.Message;
        var message =
            raw.Contains("doesn't allow null values") || raw.Contains("doesn't allow setting null values") ? $"'{member}' must not be null" :
            UnknownMember().Match(raw) is { Success: true } u ? $"unknown member '{u.Groups[1].Value}'" :
            MissingRequired().Match(raw) is { Success: true } m ? $"missing required member(s) {m.Groups[1].Value}" :
            raw.Contains("maximum configured depth") ? $"nested deeper than {Vireo.Contracts.VireoJsonContext.MaxRequestDepth} levels" :
            raw.Contains("could not be converted") ? $"the value of '{member}' has the wrong type" :
            TrailingDetail().Replace(raw, "");
        return "invalid JSON request body: " + (where is null ? message : $"{message} (at {where})");
    }

    /// <summary>Query string and route values: 'Failed to bind parameter "Nullable&lt;bool&gt; paused" from "maybe".' becomes "invalid value 'maybe' for 'paused'".</summary>
    public static string Parameter(string message) =>
        BadValue().Match(message) is { Success: true } v ? $"invalid value '{v.Groups[2].Value}' for parameter '{v.Groups[1].Value}'" :
        Missing().Match(message) is { Success: true } m ? $"missing parameter '{m.Groups[1].Value}' ({m.Groups[2].Value})" :
        message;

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex(@"missing required properties including: (.*?)\.?(?: Path:|$)")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"\s*(Path: .*|LineNumber: .*)$")]
    private static partial Regex TrailingDetail();

    [GeneratedRegex(@"^Failed to bind parameter ""(?:\S+ )?(\w+)"" from ""(.*)""\.$", RegexOptions.Singleline)]
    private static partial Regex BadValue();

    [GeneratedRegex(@"^Required parameter ""(?:\S+ )?(\w+)"" was not provided from (.*)\.$")]
    private static partial Regex Missing();
}
