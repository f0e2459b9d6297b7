using Vireo.Core.Errors;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains.Runner;

/// <summary>
/// Power operations on a running guest: destroy, shutdown, reboot, reset, suspend and resume. Starting a domain,
/// its exit and recovery stay with <see cref="DomainRunner"/>, whose status file and events these share.
/// </summary>
public sealed class DomainPower(DomainRegistry registry, DomainRunner runner, DomainLogWriter log, DomainTimeouts timeouts)
{
    /// <summary>
    /// Kills QEMU by pid first and takes no lock for it (libvirt's qemuProcessBeginStopJob does the same): a
    /// request stuck on a monitor that stopped answering holds the domain's operation lock, and destroy is
    /// how the user gets out of exactly that. Killing QEMU closes the monitor, which fails the stuck request.
    /// </summary>
    public async Task DestroyAsync(string key, bool graceful)
    {
        var e = registry.Lookup(key);
        QemuInstance? instance;
        TaskCompletionSource? finalized;
        int? held;
        Core.Domain.DomainDefinition? live;
        lock (e) (instance, finalized, held, live) = (e.Instance, e.Finalized, e.UnansweredPid, e.Live);
        if (instance is null && held is { } pid)
        {
            // Its monitor never answered since vireod started: the pid is all there is to act on.
            await QemuProcesses.KillAsync(pid, timeouts.DestroyGrace);
            await runner.ForgetHeldAsync(e, live!, pid, "destroyed", $"destroyed QEMU pid {pid}, whose monitor was not answering");
            return;
        }
        if (instance is null)
        {
            // Not running, or a start is still in flight: that one finishes (every step is bounded) first.
            await using (var op = await DomainOperation.RunningAsync(e)) instance = op.Running;
            lock (e) finalized = e.Finalized;
        }
        await instance.DestroyAsync(graceful, timeouts.DestroyGrace);
        if (finalized is not null) await finalized.Task;
    }

    /// <summary>ACPI power button, like 'virsh shutdown': returns once the request is sent.</summary>
    public async Task ShutdownAsync(string key)
    {
        await using var op = await DomainOperation.RunningAsync(registry.Lookup(key));
        await op.Running.Qmp.SystemPowerdownAsync();
        log.Write(op.Entry.Name, "shutdown requested (ACPI power button)");
    }

    /// <summary>Graceful reboot: ACPI shutdown, and once the guest is off, start it again.</summary>
    public async Task RebootAsync(string key)
    {
        await using var op = await DomainOperation.RunningAsync(registry.Lookup(key));
        lock (op.Entry) op.Entry.RebootRequested = true;
        await op.Running.Qmp.SystemPowerdownAsync();
        log.Write(op.Entry.Name, "reboot requested (ACPI shutdown, then start)");
    }

    public async Task ResetAsync(string key)
    {
        await using var op = await DomainOperation.RunningAsync(registry.Lookup(key));
        await op.Running.Qmp.SystemResetAsync();
    }

    public async Task SuspendAsync(string key)
    {
        var e = registry.Lookup(key);
        await using (var op = await DomainOperation.RunningAsync(e)) await op.Running.Qmp.StopAsync();
        lock (e) { if (e.State == DomainState.Running) { e.State = DomainState.Paused; e.Reason = "user"; } else return; }
        runner.SaveStatus(e);
        runner.Publish(e, "Suspended", "Paused");
    }

    public async Task ResumeAsync(string key)
    {
        var e = registry.Lookup(key);
        lock (e)
            if (e.IsActive && e.State != DomainState.Paused)
                throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not paused");
        await using (var op = await DomainOperation.RunningAsync(e)) await op.Running.Qmp.ContAsync();
        lock (e)
        {
            if (e.State != DomainState.Paused) return;
            e.State = DomainState.Running;
            e.Reason = e.Reason == "starting up" ? "booted" : "unpaused";
        }
        runner.SaveStatus(e);
        runner.Publish(e, "Resumed", "Unpaused");
    }
}
