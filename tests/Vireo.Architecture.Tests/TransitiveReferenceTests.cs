namespace Vireo.Architecture.Tests;

/// <summary>
/// Edges no chain of references may make, checked on the project graph and on the compiled assemblies: the CLI
/// never carries the domain model (Vireo.Core) or vireod, Vireo.Host stands on nothing of ours, and no driver
/// knows the daemon that drives it.
/// </summary>
public class TransitiveReferenceTests
{
    public static TheoryData<string, string> Forbidden => new()
    {
        { "Vireo.Cli", "Vireo.Core" },
        { "Vireo.Cli", "Vireo.Daemon" },
        { "Vireo.Host", "Vireo.Core" },
        { "Vireo.Qemu", "Vireo.Daemon" },
        { "Vireo.Network", "Vireo.Daemon" },
        { "Vireo.Storage", "Vireo.Daemon" },
        { "Vireo.Images", "Vireo.Daemon" },
        { "Vireo.Host", "Vireo.Daemon" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Projects_do_not_reach(string from, string to) => AssertNoChain(DependencyGraph.OfProjects(), "project", from, to);

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Assemblies_do_not_reach(string from, string to) => AssertNoChain(DependencyGraph.OfAssemblies(), "assembly", from, to);

    /// <summary>The walk itself: edges that exist are found, and chains through several of them.</summary>
    [Fact]
    public void Existing_chains_are_found()
    {
        foreach (var graph in new[] { DependencyGraph.OfProjects(), DependencyGraph.OfAssemblies() })
        {
            Assert.Equal(["Vireo.Daemon", "Vireo.Core"], graph.Chain("Vireo.Daemon", "Vireo.Core"));
            Assert.Equal(["Vireo.Client", "Vireo.Contracts"], graph.Chain("Vireo.Client", "Vireo.Contracts"));
        }
        var fake = new DependencyGraph(new Dictionary<string, IReadOnlyList<string>>
        {
            ["A"] = ["C", "B"], ["B"] = ["D"], ["C"] = ["B"], ["D"] = ["E"],
        });
        Assert.Equal(["A", "B", "D", "E"], fake.Chain("A", "E"));
        Assert.Null(fake.Chain("E", "A"));
    }

    private static void AssertNoChain(DependencyGraph graph, string kind, string from, string to)
    {
        var chain = graph.Chain(from, to);
        Assert.True(chain is null, $"{from} must not reach {to}, but its {kind} references do: {string.Join(" -> ", chain ?? [])}");
    }
}
