namespace Vireo.Tests.Shared;

/// <summary>
/// Golden files of a test project (linked into each project that uses them): compared as text;
/// VIREO_UPDATE_GOLDEN=1 rewrites them (review the diff).
/// </summary>
public static class Golden
{
    /// <summary>A folder of the test project this file is compiled into (tests/ASSEMBLY/name).</summary>
    public static string Dir(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vireo.slnx")))
            dir = dir.Parent;
        return Path.Combine(dir!.FullName, "tests", typeof(Golden).Assembly.GetName().Name!, name);
    }

    public static void AssertMatches(string path, string actual)
    {
        if (Environment.GetEnvironmentVariable("VIREO_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing; run with VIREO_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
