namespace Vireo.Architecture.Tests;

/// <summary>docs/architecture.md's dependency arrows, checked against the .csproj files.</summary>
public class ProjectReferenceTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Vireo.Core"] = [],
        ["Vireo.Images"] = [],
        ["Vireo.Contracts"] = [],
        ["Vireo.Host"] = [],
        ["Vireo.Qemu"] = ["Vireo.Host", "Vireo.Core"],
        ["Vireo.Storage"] = ["Vireo.Host", "Vireo.Core", "Vireo.Images"],
        ["Vireo.Network"] = ["Vireo.Host", "Vireo.Core"],
        ["Vireo.Client"] = ["Vireo.Contracts"],
        ["Vireo.Daemon"] = ["Vireo.Qemu", "Vireo.Storage", "Vireo.Network", "Vireo.Images", "Vireo.Host", "Vireo.Core", "Vireo.Contracts"],
        ["Vireo.Cli"] = ["Vireo.Client", "Vireo.Contracts", "Vireo.Host", "Vireo.Images"],
    };

    public static TheoryData<string> Projects() => new(SourceProject.All.Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Projects))]
    public void Project_references_follow_the_design(string project)
    {
        Assert.True(Allowed.ContainsKey(project), $"{project} is not in the design's layout; add it to docs/architecture.md and to this test deliberately");
        var forbidden = SourceProject.Named(project).References.Except(Allowed[project]).ToList();
        Assert.True(forbidden.Count == 0, $"{project} must not reference {string.Join(", ", forbidden)}");
    }

    [Theory]
    [InlineData("Vireo.Qemu")]
    [InlineData("Vireo.Host")]
    [InlineData("Vireo.Core")]
    public void Drivers_do_not_use_aspnet(string project)
    {
        var csproj = File.ReadAllText(Repo.File("src", project, project + ".csproj"));
        Assert.DoesNotContain("Microsoft.NET.Sdk.Web", csproj);
        Assert.DoesNotContain("Microsoft.AspNetCore", csproj);
    }
}
