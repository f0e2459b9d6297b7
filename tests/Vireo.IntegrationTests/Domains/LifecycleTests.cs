using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>The spine: define -> start -> console -> shutdown/destroy/reboot/suspend, with a real guest.</summary>
public class LifecycleTests : VmTestBase
{
    [SkippableFact]
    public async Task Define_start_console_then_acpi_shutdown_shuts_it_off()
    {
        await DefineGuestAsync("g1");
        Assert.Equal("shut off (unknown)", await StateAsync("g1"));
        await BootAsync("g1");
        Assert.Equal("running (booted)", await StateAsync("g1")); // start --console holds the vCPUs only until the console is attached
        var pid = D.QemuPid("g1")!.Value;
        Assert.Contains("Domain 'g1' is being shutdown", (await D.Vireo("shutdown", "g1")).Ok().Stdout);
        await WaitForStateAsync("g1", "shut off (shutdown)");
        Assert.False(ProcessExists(pid), "QEMU must be gone (and reaped) once the domain is shut off");
        var console = File.ReadAllText(Path.Combine(D.Root, "var/log/vireo/qemu/g1.console.log"));
        Assert.Contains(Guest.Ready, console);
        Assert.Contains(Vireo.TestGuest.GuestImage.PoweroffMarker, console);
    }

    [SkippableFact]
    public async Task Destroy_returns_once_qemu_is_gone()
    {
        await DefineGuestAsync("g2");
        await BootAsync("g2");
        var pid = D.QemuPid("g2")!.Value;
        Assert.Contains("Domain 'g2' destroyed", (await D.Vireo("destroy", "g2")).Ok().Stdout);
        Assert.False(ProcessExists(pid), "destroy returned while QEMU (or its zombie) still existed");
        Assert.Equal("shut off (destroyed)", await StateAsync("g2"));
        Assert.Null(D.QemuPid("g2"));
        (await D.Vireo("destroy", "g2")).Fails("is not running");
    }

    [SkippableFact]
    public async Task Reboot_shuts_the_guest_down_and_boots_it_again()
    {
        await DefineGuestAsync("g3");
        await BootAsync("g3");
        var firstPid = D.QemuPid("g3");
        Assert.Contains("is being rebooted", (await D.Vireo("reboot", "g3")).Ok().Stdout);
        var log = Path.Combine(D.Root, "var/log/vireo/qemu/g3.console.log");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (Count(File.ReadAllText(log), Guest.Ready) < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(2, Count(File.ReadAllText(log), Guest.Ready));
        Assert.Equal("running", (await D.Vireo("domstate", "g3")).Ok().Stdout.Trim());
        Assert.NotEqual(firstPid, D.QemuPid("g3"));
    }

    [SkippableFact]
    public async Task Reset_and_suspend_resume()
    {
        await DefineGuestAsync("g4");
        await BootAsync("g4");
        Assert.Contains("Domain 'g4' suspended", (await D.Vireo("suspend", "g4")).Ok().Stdout);
        Assert.Equal("paused (user)", await StateAsync("g4"));
        Assert.Contains("\"status\":\"paused\"", (await D.Vireo("qemu-monitor-command", "g4", "{\"execute\":\"query-status\"}")).Ok().Stdout);
        (await D.Vireo("suspend", "g4")).Ok();
        Assert.Contains("Domain 'g4' resumed", (await D.Vireo("resume", "g4")).Ok().Stdout);
        Assert.Equal("running (unpaused)", await StateAsync("g4"));
        (await D.Vireo("resume", "g4")).Fails("is not paused");
        Assert.Contains("was reset", (await D.Vireo("reset", "g4")).Ok().Stdout);
        Assert.Equal("running", (await D.Vireo("domstate", "g4")).Ok().Stdout.Trim());
    }

    [SkippableFact]
    public async Task Start_paused_keeps_the_vcpus_stopped()
    {
        await DefineGuestAsync("g5", lifecycle: "<memtune><hard_limit unit='KiB'>1048576</hard_limit></memtune>");
        (await D.Vireo("start", "g5", "--paused")).Ok();
        // Kept but not applied yet: never silent, the start says so in the domain log.
        Assert.Contains("not applied by this version: <memtune> (line",
            File.ReadAllText(Path.Combine(D.Root, "var/log/vireo/qemu/g5.log")));
        Assert.Equal("paused (user)", await StateAsync("g5"));
        var status = (await D.Vireo("qemu-monitor-command", "g5", "--hmp", "info status")).Ok().Stdout;
        Assert.Contains("paused", status);
        // No <graphics>: no display at all (QEMU's fallback would be a VNC server on 127.0.0.1:5900).
        Assert.Contains("\"enabled\":false", (await D.Vireo("qemu-monitor-command", "g5", "{\"execute\":\"query-vnc\"}")).Ok().Stdout);
        (await D.Vireo("start", "g5")).Fails("is already running");
    }

    [SkippableFact]
    public async Task On_poweroff_restart_brings_the_guest_back()
    {
        await DefineGuestAsync("g6", lifecycle: "<on_poweroff>restart</on_poweroff>");
        await BootAsync("g6");
        var pid = D.QemuPid("g6");
        (await D.Vireo("shutdown", "g6")).Ok();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((D.QemuPid("g6") is null || D.QemuPid("g6") == pid) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.NotNull(D.QemuPid("g6"));
        Assert.NotEqual(pid, D.QemuPid("g6"));
        await WaitForStateAsync("g6", "running");
    }

    [SkippableFact]
    public async Task Qemu_crash_is_noticed_as_crashed()
    {
        await DefineGuestAsync("g7");
        await BootAsync("g7");
        var pid = D.QemuPid("g7")!.Value;
        Vireo.Host.Interop.LibC.kill(pid, Vireo.Host.Interop.LibC.SIGKILL);
        await WaitForStateAsync("g7", "shut off (crashed)", 30);
    }

    private static int Count(string text, string marker) => (text.Length - text.Replace(marker, "").Length) / marker.Length;
}
