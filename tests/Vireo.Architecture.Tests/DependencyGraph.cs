namespace Vireo.Architecture.Tests;

/// <summary>Which of Vireo's projects depend on which, and the chain by which one reaches another.</summary>
public sealed class DependencyGraph(IReadOnlyDictionary<string, IReadOnlyList<string>> edges)
{
    /// <summary>As the .csproj files declare it (ProjectReference).</summary>
    public static DependencyGraph OfProjects() => new(SourceProject.All.ToDictionary(p => p.Name, p => p.References));

    /// <summary>
    /// As the compiled assemblies have it (<see cref="System.Reflection.Assembly.GetReferencedAssemblies"/>, only
    /// our own): a reference the compiler kept because some type of the other assembly is used.
    /// </summary>
    public static DependencyGraph OfAssemblies()
    {
        var projectOf = SourceProject.All.ToDictionary(p => p.AssemblyName, p => p.Name);
        return new(SourceProject.All.ToDictionary(p => p.Name, p => (IReadOnlyList<string>)p.Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!).Where(projectOf.ContainsKey).Select(a => projectOf[a]).Distinct().Order().ToList()));
    }

    /// <summary>The shortest chain from <paramref name="from"/> to <paramref name="to"/>, both included; null if there is none.</summary>
    public IReadOnlyList<string>? Chain(string from, string to)
    {
        var cameFrom = new Dictionary<string, string?> { [from] = null };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var node))
        {
            if (node == to)
            {
                var chain = new List<string>();
                for (string? n = to; n is not null; n = cameFrom[n]) chain.Insert(0, n);
                return chain;
            }
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
                if (cameFrom.TryAdd(next, node)) queue.Enqueue(next);
        }
        return null;
    }
}
