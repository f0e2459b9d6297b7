using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>
/// "." and ".." are names like any other on the way to vireod (none exists: no object may be called that):
/// the request reaches the endpoint the command means, and the answer is virsh's "failed to get ...".
/// </summary>
public class DotNameTests : DaemonTestBase
{
    [Theory]
    [InlineData("dumpxml", ".")]
    [InlineData("dominfo", "..")]
    [InlineData("domstate", "..")]
    public async Task A_dot_domain_is_not_found(string command, string name) =>
        Assert.Equal((1, $"error: failed to get domain '{name}'\nerror: Domain not found: no domain with matching name '{name}'\n"),
            Result(await D.Vireo("-q", command, name)));

    [Fact]
    public async Task Dot_pools_volumes_and_networks_are_not_found()
    {
        (await D.Vireo("pool-info", ".")).Fails("error: failed to get pool '.'\nerror: Storage pool not found: no storage pool with matching name '.'");
        (await D.Vireo("vol-info", "--pool", "default", "..")).Fails("error: failed to get vol '..'");
        (await D.Vireo("net-info", "..")).Fails("error: failed to get network '..'");
    }

    private static (int, string) Result(RunResult r) => (r.ExitCode, r.Stderr);
}
