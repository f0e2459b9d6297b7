namespace Vireo.IntegrationTests.Fixtures;

[CollectionDefinition("vm", DisableParallelization = true)]
public sealed class VmCollection;

/// <summary>Base for tests that boot real guests: a fresh vireod root per test, torn down after.</summary>
[Collection("vm")]
public abstract class VmTestBase : IAsyncLifetime
{
    protected DaemonFixture D { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var why = Guest.Unavailable();
        Skip.If(why is not null, why);
        D = await DaemonFixture.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (D is not null) await D.DisposeAsync();
    }

    protected async Task<string> DefineGuestAsync(string name, string extraDevices = "", string lifecycle = "")
    {
        var file = Path.Combine(D.Root, name + ".xml");
        await File.WriteAllTextAsync(file, Guest.Xml(name, extraDevices, lifecycle));
        (await D.Vireo("define", file)).Ok();
        return file;
    }

    /// <summary>Starts the guest with the console attached and waits until it reports ready.</summary>
    protected async Task BootAsync(string name)
    {
        var r = await D.Vireo("start", name, "--console", "--until", Guest.Ready, "--timeout", "120");
        r.Ok();
        Assert.Contains(Guest.Ready, r.Stdout);
    }

    protected async Task<string> StateAsync(string name) => (await D.Vireo("domstate", name, "--reason")).Ok().Stdout.Trim();

    /// <summary>Polls until the domain reaches the state; the limit only bounds a failing test.</summary>
    protected async Task WaitForStateAsync(string name, string expected, int seconds = 60)
    {
        using var client = D.Client();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var s = await client.StateAsync(name);
            last = $"{s.State} ({s.Reason})";
            if (last == expected || s.State == expected) return;
            await Task.Delay(50);
        }
        Assert.Fail($"domain '{name}' stayed '{last}', expected '{expected}'\n{File.ReadAllText(Path.Combine(D.Root, "var/log/vireo/qemu", name + ".log"))}");
    }

    protected static bool ProcessExists(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>Alive and not a zombie. A QEMU whose parent is no longer vireod (after a vireod
    /// restart) is reaped by PID 1, which may take a moment; until then it is a zombie.</summary>
    protected static bool ProcessAlive(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return false; }
    }
}
