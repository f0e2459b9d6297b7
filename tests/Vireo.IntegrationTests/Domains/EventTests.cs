using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

public class EventTests : VmTestBase
{
    [SkippableFact]
    public async Task Event_loop_reports_lifecycle_events_and_vcpuinfo_names_the_qemu_threads()
    {
        await DefineGuestAsync("ev");
        var done = new TaskCompletionSource();
        var events = D.VireoUntil(done.Task, "event", "--loop", "--domain", "ev", "--timeout", "120");
        await Task.Delay(500); // let the event stream subscribe before the first event
        await BootAsync("ev");
        var pid = D.QemuPid("ev")!.Value;
        var vcpu = (await D.Vireo("vcpuinfo", "ev")).Ok().Stdout;
        var tid = int.Parse(System.Text.RegularExpressions.Regex.Match(vcpu, @"Thread ID:\s+(\d+)").Groups[1].Value);
        Assert.True(Directory.Exists($"/proc/{pid}/task/{tid}"), $"vCPU thread {tid} is not a thread of QEMU {pid}");
        Assert.Contains("CPU 0/TCG", File.ReadAllText($"/proc/{pid}/task/{tid}/comm"));
        (await D.Vireo("destroy", "ev")).Ok();
        await Task.Delay(500); // the Stopped event is published just after destroy returns
        done.SetResult();
        var output = (await events).Ok().Stdout;
        Assert.Contains("events received: ", output);
        Assert.Contains("event 'lifecycle' for domain 'ev': Started Booted", output);
        Assert.Contains("event 'lifecycle' for domain 'ev': Stopped Destroyed", output);
    }

    [SkippableFact]
    public async Task Create_runs_a_transient_domain_that_disappears_when_stopped()
    {
        var file = Path.Combine(D.Root, "t.xml");
        File.WriteAllText(file, Guest.Xml("transient"));
        Assert.Contains("Domain 'transient' created from", (await D.Vireo("create", file)).Ok().Stdout);
        var info = await D.Vireo("dominfo", "transient");
        Assert.True(info.ExitCode == 0, info.Stderr + File.ReadAllText(D.DaemonLog) + File.ReadAllText(Path.Combine(D.Root, "var/log/vireo/qemu/transient.log")));
        Assert.Contains("Persistent:     no", info.Stdout);
        (await D.Vireo("undefine", "transient")).Fails("cannot undefine transient domain");
        (await D.Vireo("destroy", "transient")).Ok();
        (await D.Vireo("dominfo", "transient")).Fails("no domain with matching name 'transient'");
    }

    [SkippableFact]
    public async Task Dumpxml_shows_the_live_definition_and_inactive_the_persistent_one()
    {
        await DefineGuestAsync("live", "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>");
        await BootAsync("live");
        var live = (await D.Vireo("dumpxml", "live")).Ok().Stdout;
        Assert.Matches("<graphics type='vnc' port='59\\d\\d'", live);
        Assert.Contains("port='-1'", (await D.Vireo("dumpxml", "live", "--inactive")).Ok().Stdout);
        // Undefining a running domain makes it transient; it stays until it stops.
        (await D.Vireo("undefine", "live")).Ok();
        Assert.Contains("Persistent:     no", (await D.Vireo("dominfo", "live")).Ok().Stdout);
    }
}
