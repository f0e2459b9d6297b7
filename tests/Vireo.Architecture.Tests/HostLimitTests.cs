using System.Text.RegularExpressions;

namespace Vireo.Architecture.Tests;

/// <summary>
/// The host limits tests may skip for are the ones docs/testing.md lists: under CI, test.sh fails the run for a
/// skip whose [host-limit:ID] is not in that table, so an id missing there would fail CI on exactly the hosts
/// the limit is about.
/// </summary>
public partial class HostLimitTests
{
    private static readonly HashSet<string> Documented = [.. TableRow().Matches(File.ReadAllText(Repo.File("docs", "testing.md"))).Select(m => m.Groups[1].Value)];

    [Fact]
    public void Every_declared_limit_is_in_docs_testing_md()
    {
        Assert.NotEmpty(HostLimit.All);
        var missing = HostLimit.All.Select(l => l.Id).Where(id => !Documented.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"host limits not in docs/testing.md's table: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_documented_limit_is_declared()
    {
        var undeclared = Documented.Except(HostLimit.All.Select(l => l.Id)).Order().ToList();
        Assert.True(undeclared.Count == 0, $"docs/testing.md lists limits tests/Shared/HostLimit.cs does not declare: {string.Join(", ", undeclared)}");
    }

    [Fact]
    public void Every_tag_written_in_a_test_is_documented()
    {
        var unknown = Directory.EnumerateFiles(Repo.File("tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/") && Path.GetFileName(f) is not ("HostLimit.cs" or "HostLimitTests.cs"))
            .SelectMany(f => Tag().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(Repo.Root, f), Id: m.Groups[1].Value)))
            .Where(t => !Documented.Contains(t.Id)).Select(t => $"{t.File}: [host-limit:{t.Id}]").ToList();
        Assert.True(unknown.Count == 0, "host limits used in tests but not in docs/testing.md:\n" + string.Join("\n", unknown));
    }

    [Fact]
    public void A_reason_carries_the_tag_test_sh_looks_for()
    {
        Assert.Equal("needs root [host-limit:not-root]", HostLimit.NotRoot.Reason("needs root"));
        Assert.Equal(HostLimit.All.Count, HostLimit.All.Select(l => l.Id).Distinct().Count());
        Assert.All(HostLimit.All, l => Assert.Matches("^[a-z0-9-]+$", l.Id));
    }

    [GeneratedRegex(@"^\|\s*`([a-z0-9-]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\[host-limit:([^\]]*)\]")]
    private static partial Regex Tag();
}
