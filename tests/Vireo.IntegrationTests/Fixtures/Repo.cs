namespace Vireo.IntegrationTests.Fixtures;

/// <summary>Paths of the built binaries, in the configuration this test assembly was built in.</summary>
public static class Repo
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vireo.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public static string Configuration => AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";

    public static string Binary(string project, string assembly) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly + ".dll");

    public static string Daemon => Binary("Vireo.Daemon", "vireod");
    public static string Cli => Binary("Vireo.Cli", "vireo");

    /// <summary>
    /// How the tests run the CLI: the Native AOT binary that test.sh publishes (what users run; named by
    /// VIREO_TEST_CLI), otherwise the built assembly through 'dotnet exec'.
    /// </summary>
    public static IReadOnlyList<string> CliCommand
    {
        get
        {
            if (Environment.GetEnvironmentVariable("VIREO_TEST_CLI") is not { Length: > 0 } aot) return ["dotnet", "exec", Cli];
            return File.Exists(aot) ? [aot] : throw new FileNotFoundException($"VIREO_TEST_CLI names {aot}, which does not exist");
        }
    }
}
