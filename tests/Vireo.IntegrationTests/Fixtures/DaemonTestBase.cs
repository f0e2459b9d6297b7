namespace Vireo.IntegrationTests.Fixtures;

/// <summary>Base for tests that need a vireod of their own but boot no guest: a fresh root per test, removed after.</summary>
public abstract class DaemonTestBase : IAsyncLifetime
{
    protected DaemonFixture D { get; private set; } = null!;

    public async Task InitializeAsync() => D = await DaemonFixture.StartAsync();

    public async Task DisposeAsync() => await D.DisposeAsync();

    /// <summary>Writes a file into the daemon's root (XML to define, a local image...) and returns its path.</summary>
    protected string Write(string name, string text)
    {
        var path = Path.Combine(D.Root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
