using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

public class DaemonRestartTests : VmTestBase
{
    [SkippableFact]
    public async Task Kill_9_of_vireod_leaves_the_guest_running_and_a_new_vireod_takes_it_over()
    {
        await DefineGuestAsync("survivor");
        await BootAsync("survivor");
        var pid = D.QemuPid("survivor")!.Value;
        var id = (await D.Vireo("domid", "survivor")).Ok().Stdout.Trim();

        await D.KillDaemonAsync();
        Assert.True(ProcessExists(pid), "QEMU must survive a vireod crash");
        (await D.Vireo("list")).Fails("Is vireod running?");

        await D.StartDaemonAsync();
        var list = (await D.Vireo("list")).Ok().Stdout;
        Assert.Contains($" {id}    survivor   running", list);
        Assert.Equal(pid, D.QemuPid("survivor"));
        Assert.Equal(id, (await D.Vireo("domid", "survivor")).Ok().Stdout.Trim());

        // Fully controllable: the console answers, suspend/resume and shutdown work.
        var console = await D.VireoWithInput("echo hello-$((40+2))-after-restart\n", "console", "survivor", "--until", "hello-42-after-restart", "--timeout", "60");
        console.Ok();
        (await D.Vireo("suspend", "survivor")).Ok();
        Assert.Equal("paused (user)", await StateAsync("survivor"));
        (await D.Vireo("resume", "survivor")).Ok();
        (await D.Vireo("shutdown", "survivor")).Ok();
        await WaitForStateAsync("survivor", "shut off (shutdown)");
        Assert.False(ProcessAlive(pid));
    }

    [SkippableFact]
    public async Task A_guest_that_died_while_vireod_was_down_is_reported_shut_off()
    {
        await DefineGuestAsync("gone");
        await BootAsync("gone");
        var pid = D.QemuPid("gone")!.Value;
        await D.KillDaemonAsync();
        Vireo.Host.Interop.LibC.kill(pid, Vireo.Host.Interop.LibC.SIGKILL);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z") && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        await D.StartDaemonAsync();
        Assert.Equal("shut off (crashed)", await StateAsync("gone"));
        Assert.Null(D.QemuPid("gone"));
    }

    [SkippableFact]
    public async Task Autostart_domains_start_with_vireod()
    {
        await DefineGuestAsync("auto");
        Assert.Contains("marked as autostarted", (await D.Vireo("autostart", "auto")).Ok().Stdout);
        Assert.Contains("auto", (await D.Vireo("list", "--all", "--autostart", "--name")).Ok().Stdout);
        await D.StopDaemonAsync();
        await D.StartDaemonAsync();
        await WaitForStateAsync("auto", "running (booted)");
        Assert.Contains("Autostart:      enable", (await D.Vireo("dominfo", "auto")).Ok().Stdout);
        Assert.Contains("unmarked as autostarted", (await D.Vireo("autostart", "auto", "--disable")).Ok().Stdout);
        Assert.Contains("Autostart:      disable", (await D.Vireo("dominfo", "auto")).Ok().Stdout);
    }
}
