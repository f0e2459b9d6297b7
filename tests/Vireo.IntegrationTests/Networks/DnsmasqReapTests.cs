using Vireo.Host.Interop;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>dnsmasq is vireod's child (vireod is the subreaper): every one that ends is waited for, so none stays a zombie.</summary>
[Collection("vm")]
public class DnsmasqReapTests
{
    private static string PidFile(DaemonFixture d) => Path.Combine(d.Root, "var/lib/vireo/dnsmasq/default.pid");

    private static int? LivePid(DaemonFixture d) =>
        File.Exists(PidFile(d)) && int.TryParse(File.ReadAllText(PidFile(d)).Trim(), out var p) && !IsZombieOrGone(p) ? p : null;

    private static bool IsZombieOrGone(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return true; }
    }

    /// <summary>Zombie children of vireod: what nobody waited for.</summary>
    private static List<int> Zombies(int parent) =>
        Directory.EnumerateDirectories("/proc").Select(p => int.TryParse(Path.GetFileName(p), out var n) ? n : 0).Where(n => n > 0).Where(n =>
        {
            try
            {
                var rest = File.ReadAllText($"/proc/{n}/stat").Split(") ")[1].Split(' ');
                return rest[0] == "Z" && rest[1] == parent.ToString();
            }
            catch (IOException) { return false; }
        }).ToList();

    [SkippableFact]
    public async Task A_restarted_dnsmasq_and_a_destroyed_one_leave_no_zombie()
    {
        var why = Netns.Unavailable();
        Skip.If(why is not null, why);
        using var ns = new Netns();
        await using var d = await DaemonFixture.StartInNetnsAsync(ns.Name);
        var first = LivePid(d)!.Value;
        LibC.kill(first, LibC.SIGKILL);
        // vireod notices (it checks every 2 s) and starts another.
        Assert.True(await Poll.UntilAsync(() => LivePid(d) is { } p && p != first, TimeSpan.FromSeconds(30)), "dnsmasq was not restarted");
        var second = LivePid(d)!.Value;
        (await d.Vireo("net-destroy", "default")).Ok();
        Assert.True(IsZombieOrGone(second));
        Assert.Empty(Zombies(d.DaemonPid).Intersect([first, second]));
    }
}
