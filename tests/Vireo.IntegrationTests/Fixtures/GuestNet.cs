namespace Vireo.IntegrationTests.Fixtures;

/// <summary>Steps the guest networking tests share: a vireod in the test's namespace, booting a guest with one NIC, shell lines on its console.</summary>
public static class GuestNet
{
    public static async Task<DaemonFixture> StartDaemonAsync(Netns ns, IReadOnlyDictionary<string, string>? env = null)
    {
        var why = Netns.Unavailable() ?? Guest.Unavailable();
        Skip.If(why is not null, why);
        var f = new DaemonFixture { NetNs = ns.Name, Env = env ?? new Dictionary<string, string>() };
        await f.StartDaemonAsync();
        return f;
    }

    /// <summary>Defines a test guest with <paramref name="nic"/> (replacing any earlier definition) and waits until it is ready.</summary>
    public static async Task DefineAndBootAsync(DaemonFixture d, string name, string nic)
    {
        var file = Path.Combine(d.Root, name + ".xml");
        await File.WriteAllTextAsync(file, Guest.Xml(name, nic));
        (await d.Vireo("define", file)).Ok();
        (await d.Vireo("start", name, "--console", "--until", Guest.Ready, "--timeout", "120")).Ok();
    }

    private static int _marker = 100;

    /// <summary>
    /// Runs shell lines on the guest's console and returns what it printed up to the end marker
    /// (written as arithmetic so the echoed input never contains it).
    /// </summary>
    public static async Task<string> RunAsync(DaemonFixture d, string guest, string commands, int timeoutSeconds = 90)
    {
        var n = Interlocked.Increment(ref _marker);
        var r = await d.VireoWithInput($"{commands}; echo END-$(({n}+1))-MARK\n", "console", guest, "--until", $"END-{n + 1}-MARK", "--timeout", timeoutSeconds.ToString());
        return r.Ok().Stdout;
    }
}
