using System.Reflection;
using System.Xml.Linq;

namespace Vireo.Architecture.Tests;

/// <summary>A project under src/: its name, the assembly it builds and the projects it references, read from its .csproj.</summary>
public sealed record SourceProject(string Name, string AssemblyName, IReadOnlyList<string> References)
{
    public static IReadOnlyList<SourceProject> All { get; } = Load();

    public static SourceProject Named(string name) => All.Single(p => p.Name == name);

    /// <summary>The compiled assembly (every one is in this test's output: it references vireod and the CLI).</summary>
    public Assembly Assembly => System.Reflection.Assembly.Load(AssemblyName);

    private static List<SourceProject> Load() =>
        Directory.GetDirectories(Repo.File("src")).Order().Select(dir =>
        {
            var name = Path.GetFileName(dir);
            var csproj = XDocument.Load(Path.Combine(dir, name + ".csproj"));
            var assembly = csproj.Descendants("AssemblyName").SingleOrDefault()?.Value ?? name;
            var refs = csproj.Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value)).ToList();
            return new SourceProject(name, assembly, refs);
        }).ToList();
}
