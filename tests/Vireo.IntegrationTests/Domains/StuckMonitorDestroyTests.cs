using Vireo.Host.Interop;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>A QEMU that stops answering its monitor: destroy still works, whatever request is stuck on it.</summary>
public class StuckMonitorDestroyTests : VmTestBase
{
    [SkippableFact]
    public async Task Destroy_ends_a_stopped_qemu_while_a_suspend_waits_on_its_monitor()
    {
        await DefineGuestAsync("frozen");
        (await D.Vireo("start", "frozen")).Ok();
        var pid = D.QemuPid("frozen")!.Value;
        LibC.kill(pid, 19 /* SIGSTOP */);
        var log = Path.Combine(D.Root, "var/log/vireo/qemu/frozen.log");
        var suspend = D.Vireo("suspend", "frozen");
        // The suspend holds the domain's operation lock from the moment its 'stop' is sent.
        Assert.True(await Poll.UntilAsync(() => File.ReadAllText(log).Contains("\"execute\":\"stop\""), TimeSpan.FromSeconds(60)), "suspend never reached QEMU");
        var destroy = await D.Vireo("destroy", "frozen");
        destroy.Ok();
        Assert.False(ProcessAlive(pid));
        Assert.Equal("shut off (destroyed)", await StateAsync("frozen"));
        // The stuck request ends with an error, not a hang.
        var r = await suspend;
        Assert.NotEqual(0, r.ExitCode);
    }
}
