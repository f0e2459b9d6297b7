using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Architecture;

/// <summary>The hand-written OpenAPI document must not drift from the endpoints: every mapped route and method is described.</summary>
public partial class OpenApiCoverageTests
{
    [GeneratedRegex(@"MapGroup\(""([^""]*)""\)")]
    private static partial Regex Group();

    [GeneratedRegex(@"(\w+)\.Map(Get|Post|Put|Delete)\(""([^""]*)""")]
    private static partial Regex Route();

    [Fact]
    public void Every_endpoint_is_in_openapi_json()
    {
        var api = Path.Combine(Repo.Root, "src/Vireo.Daemon/Api");
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(api, "openapi.json")))!["paths"]!;
        var missing = new List<string>();
        var found = 0;
        foreach (var file in Directory.GetFiles(api, "*.cs"))
        {
            var src = File.ReadAllText(file);
            var prefix = Group().Match(src) is { Success: true } g ? g.Groups[1].Value : "";
            foreach (Match m in Route().Matches(src))
            {
                var path = (m.Groups[1].Value == "g" ? prefix : "") + m.Groups[3].Value;
                var method = m.Groups[2].Value.ToLowerInvariant();
                found++;
                if (doc[path]?[method] is null) missing.Add($"{method.ToUpperInvariant()} {path} ({Path.GetFileName(file)})");
            }
        }
        Assert.True(found > 30, $"only {found} routes found: has the endpoint code changed shape?");
        Assert.True(missing.Count == 0, "not in openapi.json:\n" + string.Join("\n", missing));
    }
}
