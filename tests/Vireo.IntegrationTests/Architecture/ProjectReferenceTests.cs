using System.Xml.Linq;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Architecture;

/// <summary>DESIGN.md's dependency arrows, checked against the .csproj files.</summary>
public class ProjectReferenceTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Vireo.Core"] = [],
        ["Vireo.Images"] = [],
        ["Vireo.Contracts"] = [],
        ["Vireo.Host"] = ["Vireo.Core"],
        ["Vireo.Qemu"] = ["Vireo.Host", "Vireo.Core"],
        ["Vireo.Storage"] = ["Vireo.Host", "Vireo.Core", "Vireo.Images"],
        ["Vireo.Network"] = ["Vireo.Host", "Vireo.Core"],
        ["Vireo.Client"] = ["Vireo.Contracts"],
        ["Vireo.Daemon"] = ["Vireo.Qemu", "Vireo.Storage", "Vireo.Network", "Vireo.Images", "Vireo.Host", "Vireo.Core", "Vireo.Contracts"],
        ["Vireo.Cli"] = ["Vireo.Client", "Vireo.Contracts", "Vireo.Host", "Vireo.Images"],
    };

    public static TheoryData<string> Projects()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(Repo.Root, "src")).Order())
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Project_references_follow_the_design(string project)
    {
        Assert.True(Allowed.ContainsKey(project), $"{project} is not in DESIGN.md's layout; add it to the design and to this test deliberately");
        var csproj = XDocument.Load(Path.Combine(Repo.Root, "src", project, project + ".csproj"));
        var refs = csproj.Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value)).ToList();
        var forbidden = refs.Except(Allowed[project]).ToList();
        Assert.True(forbidden.Count == 0, $"{project} must not reference {string.Join(", ", forbidden)}");
    }

    [Theory]
    [InlineData("Vireo.Qemu")]
    [InlineData("Vireo.Host")]
    [InlineData("Vireo.Core")]
    public void Drivers_do_not_use_aspnet(string project)
    {
        var csproj = File.ReadAllText(Path.Combine(Repo.Root, "src", project, project + ".csproj"));
        Assert.DoesNotContain("Microsoft.NET.Sdk.Web", csproj);
        Assert.DoesNotContain("Microsoft.AspNetCore", csproj);
    }
}
