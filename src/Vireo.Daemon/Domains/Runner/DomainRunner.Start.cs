using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains.Runner;

public sealed partial class DomainRunner
{
    /// <param name="holdForConsole">Start with the vCPUs stopped until a console client resumes them, so it sees
    /// the whole boot ('vireo start --console'); the domain then counts as booted, not as paused by the user.</param>
    public async Task StartAsync(string key, bool paused, bool holdForConsole = false)
    {
        await using var op = await DomainOperation.BeginAsync(registry.Lookup(key));
        await StartLockedAsync(op.Entry, paused || holdForConsole, holdForConsole);
    }

    /// <summary>'vireo create': a transient domain, or a defined inactive one run once with this XML.</summary>
    public async Task<DomainSnapshot> CreateAsync(string xml, bool paused)
    {
        var def = DomainDefinition.Parse(xml);
        var (entry, liveOverride) = await registry.ForCreateAsync(def);
        try
        {
            await using var op = await DomainOperation.BeginAsync(entry);
            await StartLockedAsync(entry, paused, liveOverride: liveOverride);
        }
        catch
        {
            registry.RemoveTransient(entry);
            throw;
        }
        return registry.Snapshot(entry);
    }

    /// <param name="liveOverride">Run this definition (same name and uuid) instead of the persistent one, this once.</param>
    private async Task StartLockedAsync(DomainEntry e, bool paused, bool holdForConsole = false, DomainDefinition? liveOverride = null)
    {
        if (e.IsActive) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is already running");
        var live = liveOverride?.Clone() ?? e.Persistent?.Clone() ?? e.Live!.Clone();
        if (liveOverride is not null) DomainDefaults.Apply(live);
        var name = live.Name;
        log.Write(name, "starting domain");
        if (QemuArgv.NotApplied(live) is { Count: > 0 } notApplied)
        {
            log.Write(name, "warning: kept in the definition but not applied by this version: " + string.Join(", ", notApplied));
            Log.NotApplied(logger, name, string.Join(", ", notApplied));
        }
        var undo = new Rollback(line => log.Write(name, line));
        try
        {
            pathCheck.Check(disks.ForQemu(live));
            var instance = await LaunchAsync(live, undo);
            await CommitStartAsync(e, live, instance, paused, holdForConsole);
            undo.Commit();
        }
        catch (Exception ex)
        {
            await undo.DisposeAsync();
            log.Write(name, "start failed: " + ex.Message);
            lock (e) { e.State = DomainState.ShutOff; e.Reason = "failed"; }
            Publish(e, "Stopped", "Failed");
            if (ex is VireoException) throw;
            throw new VireoException(ErrorCode.OperationFailed, $"internal error: failed to start domain '{name}': {ex.Message}", inner: ex);
        }
    }

    /// <summary>Everything up to a paused QEMU with its NICs plugged; each step registers its undo.</summary>
    private async Task<QemuInstance> LaunchAsync(DomainDefinition live, Rollback undo)
    {
        var name = live.Name;
        var qpaths = paths.Qemu(name);
        undo.Add("host resources claimed", () => resources.ReleaseAll(name));
        nics.Prepare(live);
        // Recorded before anything touches the host: a vireod killed from here on finds this start when it
        // comes back, and kills what it had launched (DomainRecovery).
        store.SaveStatus(name, QemuStatusFile.ForStart(qpaths.QmpSocket, live.Xml));
        undo.Add("status file and run directory", () => store.DeleteStatus(name));
        undo.Add("master key", () => RemoveMasterKey(name));
        await pci.AssignAsync(live, undo);
        var forQemu = disks.ForQemu(live);
        var instance = await launcher.LaunchAsync(forQemu, qpaths, host, line => log.Write(name, line), diskSecrets: disks.Secrets(forQemu, qpaths));
        undo.Add("QEMU", async () =>
        {
            await instance.DestroyAsync(graceful: false, TimeSpan.FromSeconds(2));
            await instance.DisposeAsync();
        });
        await FillLiveDetailsAsync(live, instance);
        await nics.AttachAllAsync(live, instance.Qmp, undo);
        return instance;
    }

    /// <summary>Writes what QEMU chose back into the live XML (the VNC port of an autoport display).</summary>
    private static async Task FillLiveDetailsAsync(DomainDefinition live, QemuInstance instance)
    {
        var vnc = live.Graphics.FirstOrDefault(g => g.Type == "vnc");
        if (vnc is null) return;
        var info = await instance.Qmp.QueryVncAsync();
        if (info.Port is { } port) vnc.Element.SetAttributeValue("port", port);
        if (vnc.Passwd is { } pw) await instance.Qmp.SetVncPasswordAsync(pw);
        live.Reload();
    }

    /// <summary>
    /// The QEMU becomes the domain's, its vCPUs run (unless paused), and only then does the status file say
    /// so: until that write, a restarted vireod treats the start as unfinished.
    /// </summary>
    private async Task CommitStartAsync(DomainEntry e, DomainDefinition live, QemuInstance instance, bool paused, bool holdForConsole)
    {
        var id = registry.NextId();
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
        Watch(e, instance, finalized);
        SaveStatus(e);
        log.Write(e.Name, $"domain started, pid {instance.Pid}{(paused ? ", paused" : "")}");
        Log.Started(logger, e.Name, instance.Pid);
        Publish(e, "Started", "Booted");
        if (paused && !holdForConsole) Publish(e, "Suspended", "Paused");
    }

    /// <summary>
    /// A QEMU found running when vireod started becomes the domain's again: its state from QMP, its claims
    /// from the live XML, its exit watched.
    /// </summary>
    internal async Task AdoptAsync(DomainEntry entry, QemuInstance instance, DomainDefinition live, int id, DateTimeOffset started, string reason, CancellationToken ct)
    {
        var qstatus = await instance.Qmp.QueryStatusAsync(ct);
        nics.Reclaim(live);
        registry.NoteId(id);
        var finalized = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (entry)
        {
            entry.Live = live;
            entry.Instance = instance;
            entry.Id = id;
            entry.StartTime = started;
            entry.State = qstatus.Running ? DomainState.Running : qstatus.Status == "guest-panicked" ? DomainState.Crashed : DomainState.Paused;
            entry.Reason = qstatus.Running ? reason : qstatus.Status == "guest-panicked" ? "panicked" : "user";
            entry.Finalized = finalized;
        }
        Watch(entry, instance, finalized);
        SaveStatus(entry);
    }
}
