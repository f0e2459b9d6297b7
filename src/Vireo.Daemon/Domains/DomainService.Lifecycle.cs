using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains;

public sealed partial class DomainService
{
    /// <param name="holdForConsole">Start with the vCPUs stopped until a console client resumes them, so it sees
    /// the whole boot ('vireo start --console'); the domain then counts as booted, not as paused by the user.</param>
    public async Task StartAsync(string key, bool paused, bool holdForConsole = false)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        try { await StartLockedAsync(e, paused || holdForConsole, holdForConsole); }
        finally { e.OpLock.Release(); }
    }

    /// <param name="liveOverride">Run this definition (same name and uuid) instead of the persistent one, this once.</param>
    private async Task StartLockedAsync(DomainEntry e, bool paused, bool holdForConsole = false, Core.Domain.DomainDefinition? liveOverride = null)
    {
        if (e.IsActive) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is already running");
        var live = liveOverride?.Clone() ?? e.Persistent?.Clone() ?? e.Live!.Clone();
        if (liveOverride is not null) Core.Domain.DomainDefaults.Apply(live);
        var name = live.Name;
        DomainLog(name, "starting domain");
        if (Qemu.Argv.QemuArgv.NotApplied(live) is { Count: > 0 } notApplied)
        {
            DomainLog(name, "warning: kept in the definition but not applied by this version: " + string.Join(", ", notApplied));
            Log.NotApplied(logger, name, string.Join(", ", notApplied));
        }
        var undo = new Rollback(line => DomainLog(name, line));
        try
        {
            CheckHostPaths(live, resolveVolumes: true);
            var instance = await LaunchAsync(live, undo);
            await CommitStartAsync(e, live, instance, paused, holdForConsole);
            undo.Commit();
        }
        catch (Exception ex)
        {
            await undo.DisposeAsync();
            DomainLog(name, "start failed: " + ex.Message);
            lock (e) { e.State = DomainState.ShutOff; e.Reason = "failed"; }
            Publish(e, "Stopped", "Failed");
            if (ex is VireoException) throw;
            throw new VireoException(ErrorCode.OperationFailed, $"internal error: failed to start domain '{name}': {ex.Message}", inner: ex);
        }
    }

    /// <summary>Everything up to a paused QEMU with its NICs plugged; each step registers its undo.</summary>
    private async Task<QemuInstance> LaunchAsync(Core.Domain.DomainDefinition live, Rollback undo)
    {
        var name = live.Name;
        var qpaths = paths.Qemu(name);
        undo.Add("host resources claimed", () => resources.ReleaseAll(name));
        PrepareNics(live);
        // Recorded before anything touches the host: a vireod killed from here on finds this start when it
        // comes back, and kills what it had launched (see RecoverInterruptedStartAsync).
        store.SaveStatus(name, QemuStatusFile.ForStart(qpaths.QmpSocket, live.Xml));
        undo.Add("status file and run directory", () => store.DeleteStatus(name));
        undo.Add("master key", () => RemoveMasterKey(name));
        await AssignPciAsync(live);
        undo.Add("PCI devices", () => ReleasePciAsync(live));
        var forQemu = ForQemu(live);
        var instance = await launcher.LaunchAsync(forQemu, qpaths, host, line => DomainLog(name, line), diskSecrets: DiskSecrets(forQemu, qpaths));
        undo.Add("QEMU", async () =>
        {
            await instance.DestroyAsync(graceful: false, TimeSpan.FromSeconds(2));
            await instance.DisposeAsync();
        });
        await FillLiveDetailsAsync(live, instance);
        undo.Add("interfaces", () => ReleaseNicsAsync(live));
        await AttachNicsAsync(live, instance.Qmp);
        return instance;
    }

    /// <summary>
    /// The QEMU becomes the domain's, its vCPUs run (unless paused), and only then does the status file say
    /// so: until that write, a restarted vireod treats the start as unfinished.
    /// </summary>
    private async Task CommitStartAsync(DomainEntry e, Core.Domain.DomainDefinition live, QemuInstance instance, bool paused, bool holdForConsole)
    {
        var id = Interlocked.Increment(ref _lastId);
        lock (e)
        {
            e.Live = live;
            e.Instance = instance;
            e.Id = id;
            e.StartTime = DateTimeOffset.UtcNow;
            e.State = DomainState.Paused;
            e.Reason = "starting up";
            e.RebootRequested = false;
        }
        try
        {
            if (!paused) await instance.Qmp.ContAsync();
        }
        catch
        {
            lock (e) { e.Instance = null; e.Live = e.Persistent is null ? e.Live : null; e.Id = null; }
            throw;
        }
        var finalized = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (e)
        {
            e.Finalized = finalized;
            e.State = paused ? DomainState.Paused : DomainState.Running;
            e.Reason = holdForConsole ? "starting up" : paused ? "user" : "booted";
        }
        instance.EventReceived += ev => OnQmpEvent(e, instance, ev);
        _ = HandleExitAsync(e, instance, finalized);
        SaveStatus(e);
        DomainLog(e.Name, $"domain started, pid {instance.Pid}{(paused ? ", paused" : "")}");
        Log.Started(logger, e.Name, instance.Pid);
        Publish(e, "Started", "Booted");
        if (paused && !holdForConsole) Publish(e, "Suspended", "Paused");
    }

    /// <summary>The key QEMU's secrets were encrypted under; it exists only while its QEMU does (as in libvirt).</summary>
    private void RemoveMasterKey(string name)
    {
        var key = paths.Qemu(name).MasterKey;
        if (File.Exists(key)) File.Delete(key);
    }

    /// <summary>Writes what QEMU chose back into the live XML (the VNC port of an autoport display).</summary>
    private static async Task FillLiveDetailsAsync(Core.Domain.DomainDefinition live, QemuInstance instance)
    {
        var vnc = live.Graphics.FirstOrDefault(g => g.Type == "vnc");
        if (vnc is null) return;
        var info = await instance.Qmp.QueryVncAsync();
        if (info.Port is { } port) vnc.Element.SetAttributeValue("port", port);
        if (vnc.Passwd is { } pw) await instance.Qmp.SetVncPasswordAsync(pw);
        live.Reload();
    }

    private void SaveStatus(DomainEntry e)
    {
        QemuStatusFile status;
        lock (e)
        {
            if (e.Instance is null) return;
            status = new QemuStatusFile(e.Instance.Pid, paths.Qemu(e.Name).QmpSocket, e.StartTime ?? DateTimeOffset.UtcNow,
                DomainStateText.Of(e.State), e.Reason, new System.Xml.Linq.XElement(e.Live!.Xml));
            status.LiveDomain.SetAttributeValue("id", e.Id);
        }
        store.SaveStatus(e.Name, status);
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
            case "DEVICE_DELETED":
                if ((string?)ev.Data?["device"] is { } dev && e.PendingUnplugs.TryRemove(dev, out var unplugged)) unplugged.TrySetResult();
                break;
            case "GUEST_PANICKED":
                lock (e) { if (e.Instance != instance) return; e.State = DomainState.Crashed; e.Reason = "panicked"; }
                SaveStatus(e);
                Publish(e, "Crashed", "Panicked");
                break;
        }
    }

    /// <summary>Runs once per QEMU: records why it ended, applies on_poweroff/on_crash, cleans up.</summary>
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
        DomainLog(name, $"domain stopped: {exit.Reason} ({exit.Detail})");
        Log.Stopped(logger, name, exit.Reason.ToString(), exit.Detail);
        if (e.Persistent is null && !restart)
            _domains.TryRemove(name, out _);
        finalized.TrySetResult();
        if (restart)
            _ = Task.Run(async () =>
            {
                try { await StartAsync(name, paused: false); }
                catch (Exception ex) { DomainLog(name, "automatic restart failed: " + ex.Message); }
            });
    }

    private async Task<(DomainEntry Entry, QemuInstance Instance)> RunningAsync(string key)
    {
        var e = Lookup(key);
        await e.OpLock.WaitAsync();
        lock (e)
        {
            if (e.Instance is { } i) return (e, i);
        }
        e.OpLock.Release();
        throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
    }

    /// <summary>
    /// Kills QEMU by pid first and takes no lock for it (libvirt's qemuProcessBeginStopJob does the same): a
    /// request stuck on a monitor that stopped answering holds the domain's operation lock, and destroy is
    /// how the user gets out of exactly that. Killing QEMU closes the monitor, which fails the stuck request.
    /// </summary>
    public async Task DestroyAsync(string key, bool graceful)
    {
        var e = Lookup(key);
        QemuInstance? instance;
        TaskCompletionSource? finalized;
        lock (e) (instance, finalized) = (e.Instance, e.Finalized);
        if (instance is null)
        {
            // Not running, or a start is still in flight: that one finishes (every step is bounded) first.
            var (_, started) = await RunningAsync(key);
            e.OpLock.Release();
            lock (e) (instance, finalized) = (started, e.Finalized);
        }
        await instance.DestroyAsync(graceful, DestroyGrace);
        if (finalized is not null) await finalized.Task;
    }

    /// <summary>ACPI power button, like 'virsh shutdown': returns once the request is sent.</summary>
    public async Task ShutdownAsync(string key)
    {
        var (e, instance) = await RunningAsync(key);
        try
        {
            await instance.Qmp.SystemPowerdownAsync();
            DomainLog(e.Name, "shutdown requested (ACPI power button)");
        }
        finally { e.OpLock.Release(); }
    }

    /// <summary>Graceful reboot: ACPI shutdown, and once the guest is off, start it again.</summary>
    public async Task RebootAsync(string key)
    {
        var (e, instance) = await RunningAsync(key);
        try
        {
            lock (e) e.RebootRequested = true;
            await instance.Qmp.SystemPowerdownAsync();
            DomainLog(e.Name, "reboot requested (ACPI shutdown, then start)");
        }
        finally { e.OpLock.Release(); }
    }

    public async Task ResetAsync(string key) => await WithRunning(key, i => i.Qmp.SystemResetAsync());

    public async Task SuspendAsync(string key)
    {
        await WithRunning(key, async i =>
        {
            await i.Qmp.StopAsync();
        });
        var e = Lookup(key);
        lock (e) { if (e.State == DomainState.Running) { e.State = DomainState.Paused; e.Reason = "user"; } else return; }
        SaveStatus(e);
        Publish(e, "Suspended", "Paused");
    }

    public async Task ResumeAsync(string key)
    {
        var e = Lookup(key);
        lock (e)
            if (e.IsActive && e.State != DomainState.Paused)
                throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not paused");
        await WithRunning(key, i => i.Qmp.ContAsync());
        lock (e)
        {
            if (e.State != DomainState.Paused) return;
            e.State = DomainState.Running;
            e.Reason = e.Reason == "starting up" ? "booted" : "unpaused";
        }
        SaveStatus(e);
        Publish(e, "Resumed", "Unpaused");
    }

    private async Task WithRunning(string key, Func<QemuInstance, Task> action)
    {
        var (e, instance) = await RunningAsync(key);
        try { await action(instance); }
        finally { e.OpLock.Release(); }
    }
}
