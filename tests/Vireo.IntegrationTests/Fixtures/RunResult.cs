namespace Vireo.IntegrationTests.Fixtures;

public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public RunResult Ok()
    {
        Assert.True(ExitCode == 0, $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        return this;
    }

    public RunResult Fails(string expectedError)
    {
        Assert.True(ExitCode != 0, $"expected failure, got exit 0\nstdout: {Stdout}");
        Assert.Contains(expectedError, Stderr);
        Assert.StartsWith("error: ", Stderr);
        return this;
    }
}
