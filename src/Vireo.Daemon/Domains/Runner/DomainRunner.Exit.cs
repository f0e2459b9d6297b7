using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Runner;

public sealed partial class DomainRunner
{
    private void Watch(DomainEntry e, QemuInstance instance, TaskCompletionSource finalized)
    {
        instance.EventReceived += ev => OnQmpEvent(e, instance, ev);
        // The state shows it (DomainRegistry.Snapshot reads IsAnswering); vireod's log records when it changes.
        instance.Qmp.AnsweringChanged += answering =>
        {
            if (answering) Log.MonitorAnswering(logger, e.Name, instance.Pid);
            else Log.MonitorNotAnswering(logger, e.Name, instance.Pid, instance.Qmp.Stall?.Command ?? "?");
        };
        _ = HandleExitAsync(e, instance, finalized);
    }

    private void OnQmpEvent(DomainEntry e, QemuInstance instance, QmpEvent ev)
    {
        switch (ev.Name)
        {
            case "STOP":
                lock (e) { if (e.Instance != instance || e.State != DomainState.Running) return; e.State = DomainState.Paused; e.Reason = "user"; }
                SaveStatus(e);
                Publish(e, "Suspended", "Paused");
                break;
            case "RESUME":
                lock (e) { if (e.Instance != instance || e.State != DomainState.Paused || e.Reason == "starting up") return; e.State = DomainState.Running; e.Reason = "unpaused"; }
                SaveStatus(e);
                Publish(e, "Resumed", "Unpaused");
                break;
            case "RESET":
                Publish(e, "Rebooted", "");
                break;
            case "GUEST_PANICKED":
                lock (e) { if (e.Instance != instance) return; e.State = DomainState.Crashed; e.Reason = "panicked"; }
                SaveStatus(e);
                Publish(e, "Crashed", "Panicked");
                break;
        }
    }

    /// <summary>Runs once per QEMU: records why it ended, applies on_poweroff/on_reboot/on_crash, cleans up.</summary>
    private async Task HandleExitAsync(DomainEntry e, QemuInstance instance, TaskCompletionSource finalized)
    {
        var exit = await instance.Exited;
        var name = e.Name;
        bool restart;
        Core.Domain.DomainDefinition? ran;
        lock (e)
        {
            var d = e.Current;
            ran = e.Live;
            (e.State, e.Reason) = exit.Reason switch
            {
                QemuExitReason.Destroyed => (DomainState.ShutOff, "destroyed"),
                QemuExitReason.Crashed => (DomainState.ShutOff, "crashed"),
                _ => (DomainState.ShutOff, "shutdown"),
            };
            restart = exit.Reason switch
            {
                QemuExitReason.Shutdown => e.RebootRequested || d.OnPoweroff is "restart" or "rename-restart",
                QemuExitReason.Reboot => d.OnReboot is "restart",
                QemuExitReason.Crashed => d.OnCrash is "restart" or "rename-restart" or "coredump-restart",
                _ => false,
            };
            e.Instance = null;
            e.Live = e.Persistent is null ? e.Live : null;
            e.Finalized = null;
            e.RebootRequested = false;
        }
        // The event goes out with the state change, before the clean-up.
        Publish(e, "Stopped", e.Reason switch { "destroyed" => "Destroyed", "crashed" => "Crashed", _ => "Shutdown" });
        await instance.DisposeAsync();
        if (ran is not null) await ReleaseHostResourcesAsync(ran);
        store.DeleteStatus(name);
        // libvirt removes the master key with the QEMU that used it; a later start makes a new one.
        RemoveMasterKey(name);
        log.Write(name, $"domain stopped: {exit.Reason} ({exit.Detail})");
        Log.Stopped(logger, name, exit.Reason.ToString(), exit.Detail);
        if (!restart) registry.RemoveTransient(e);
        finalized.TrySetResult();
        if (restart)
            _ = Task.Run(async () =>
            {
                try
                {
                    await using var op = await DomainOperation.BeginAsync(e);
                    await StartLockedAsync(e, paused: false);
                }
                catch (Exception ex) { log.Write(name, "automatic restart failed: " + ex.Message); }
            });
    }
}
