using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

public class ParallelStartTests : VmTestBase
{
    [SkippableFact]
    public async Task Five_guests_start_in_parallel_and_all_boot()
    {
        var names = Enumerable.Range(1, 5).Select(i => $"par{i}").ToList();
        foreach (var n in names) await DefineGuestAsync(n);
        await Task.WhenAll(names.Select(BootAsync));
        var list = (await D.Vireo("list")).Ok().Stdout;
        foreach (var n in names) Assert.Contains($"{n}   running", list);
        var pids = names.Select(n => D.QemuPid(n)!.Value).ToList();
        Assert.Equal(5, pids.Distinct().Count());
        var ids = names.Select(n => D.Vireo("domid", n).Result.Ok().Stdout.Trim()).ToList();
        Assert.Equal(5, ids.Distinct().Count());
        await Task.WhenAll(names.Select(n => D.Vireo("destroy", n)));
        Assert.All(pids, p => Assert.False(ProcessExists(p)));
        Assert.Contains("par5   shut off", (await D.Vireo("list", "--all")).Ok().Stdout);
    }
}
