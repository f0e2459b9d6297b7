using Microsoft.Extensions.Logging;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Daemon.State;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Runner;

/// <summary>What vireod does with domains when it starts.</summary>
public sealed partial class DomainRecovery(DomainRegistry registry, DomainRunner runner, DomainStore store, VireoPaths paths, QemuLauncher launcher,
    DomainLogWriter log, ILogger<DomainRecovery> logger)
{
    /// <summary>
    /// Loads definitions, reconnects to every QEMU still running from a previous vireod, finishes what a
    /// killed vireod left half done, then starts autostart domains. QEMU processes are found by their pid
    /// files (<see cref="QemuProcesses"/>), not only by vireod's status files, so no domain ever ends up
    /// with two QEMUs or with one it does not know about.
    /// </summary>
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        registry.Load();
        var qemus = QemuProcesses.ScanAll(paths.DomainStatusDir);
        var statuses = store.LoadStatuses().ToList();
        foreach (var (name, xml) in statuses)
            await RecoverAsync(name, xml, qemus.GetValueOrDefault(paths.Qemu(name).PidFile), ct);
        var withStatus = statuses.Select(s => s.Name).ToHashSet();
        foreach (var e in registry.Entries.Where(e => !withStatus.Contains(e.Name)).ToList())
            if (qemus.TryGetValue(paths.Qemu(e.Name).PidFile, out var orphan))
                await AdoptOrKillAsync(e.Name, orphan, "its status file is missing", ct);
        foreach (var e in registry.Entries.Where(e => !e.IsActive && e.Persistent is not null && registry.IsAutostart(e.Name)).ToList())
        {
            try
            {
                await runner.StartAsync(e.Name, paused: false);
                Log.Autostarted(logger, e.Name);
            }
            catch (VireoException ex)
            {
                Log.AutostartFailed(logger, e.Name, ex.Message);
            }
        }
    }

    /// <param name="livePid">The QEMU found running with this domain's pid file, or 0.</param>
    private async Task RecoverAsync(string name, string xml, int livePid, CancellationToken ct)
    {
        QemuStatusFile status;
        DomainDefinition live;
        try
        {
            status = QemuStatusFile.Parse(xml);
            live = DomainDefinition.Parse(status.LiveDomain.ToString());
        }
        catch (Exception ex) when (ex is VireoException or FormatException or NullReferenceException or ArgumentException or OverflowException)
        {
            Log.BadStatus(logger, name, ex.Message);
            store.DeleteStatusFile(name);
            if (livePid > 0) await AdoptOrKillAsync(name, livePid, "its status file is damaged", ct);
            else store.DeleteStatus(name);
            return;
        }
        if (livePid > 0 && livePid != status.Pid && !status.IsStarting)
        {
            store.DeleteStatusFile(name);
            await AdoptOrKillAsync(name, livePid, $"its status file names pid {status.Pid}, not the QEMU that runs", ct);
            return;
        }
        if (status.IsStarting)
        {
            await RecoverInterruptedStartAsync(name, live, livePid);
            return;
        }
        await ReconnectAsync(name, status, live, livePid, ct);
    }

    /// <summary>vireod died during a start: it never reported success, so what it launched goes.</summary>
    private async Task RecoverInterruptedStartAsync(string name, DomainDefinition live, int livePid)
    {
        if (livePid > 0) await QemuProcesses.KillAsync(livePid, TimeSpan.FromSeconds(10));
        log.Write(name, livePid > 0 ? $"start was interrupted by a vireod restart; its QEMU (pid {livePid}) was killed" : "start was interrupted by a vireod restart");
        await runner.ReleaseHostResourcesAsync(live);
        store.DeleteStatus(name);
        runner.RemoveMasterKey(name);
        if (registry.TryGetEntry(name, out var e))
            lock (e) { e.State = DomainState.ShutOff; e.Reason = "failed"; }
    }

    private async Task ReconnectAsync(string name, QemuStatusFile status, DomainDefinition live, int livePid, CancellationToken ct)
    {
        var entry = registry.AddTransientForRecovery(name);
        QemuInstance instance;
        try
        {
            instance = await launcher.AttachAsync(name, status.Pid, status.QmpSocket, line => log.Write(name, line), ct);
        }
        catch (QmpTimeoutException ex) when (livePid > 0)
        {
            Hold(entry, live, livePid, status.StartTime, status.Reason, ex.Message);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A QEMU that is there but refuses its monitor cannot be managed; left alone it would let a second one start.
            if (livePid > 0) await QemuProcesses.KillAsync(livePid, TimeSpan.FromSeconds(10));
            log.Write(name, livePid > 0
                ? $"QEMU pid {livePid} refused its monitor ({ex.Message}); it was killed, the domain is shut off"
                : $"QEMU pid {status.Pid} is gone ({ex.Message}); domain is shut off");
            await runner.ReleaseHostResourcesAsync(live);
            store.DeleteStatus(name);
            runner.RemoveMasterKey(name);
            lock (entry) { entry.State = DomainState.ShutOff; entry.Reason = "crashed"; }
            registry.RemoveTransient(entry);
            return;
        }
        var id = int.TryParse(status.LiveDomain.Attribute("id")?.Value, out var n) ? n : registry.NextId();
        await runner.AdoptAsync(entry, instance, live, id, status.StartTime, status.Reason, ct);
        log.Write(name, $"reconnected to QEMU pid {status.Pid}");
        Log.Reconnected(logger, name, status.Pid);
    }

    /// <summary>
    /// A QEMU of this domain runs but vireod has no usable record of it. A defined domain gets it back, with
    /// its persistent definition standing in for the lost live one; a transient one cannot be described and
    /// its QEMU is killed.
    /// </summary>
    private async Task AdoptOrKillAsync(string name, int pid, string why, CancellationToken ct)
    {
        var qpaths = paths.Qemu(name);
        if (registry.TryGetEntry(name, out var entry) && entry.Persistent is { } persistent)
        {
            try
            {
                var instance = await launcher.AttachAsync(name, pid, qpaths.QmpSocket, line => log.Write(name, line), ct);
                await runner.AdoptAsync(entry, instance, persistent.Clone(), registry.NextId(), DateTimeOffset.UtcNow, "unknown", ct);
                log.Write(name, $"adopted QEMU pid {pid} ({why}); its live XML is now the persistent definition");
                return;
            }
            catch (QmpTimeoutException ex)
            {
                Hold(entry, persistent.Clone(), pid, DateTimeOffset.UtcNow, "unknown", ex.Message);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                why += $", and it refused its monitor ({ex.Message})";
            }
        }
        await QemuProcesses.KillAsync(pid, TimeSpan.FromSeconds(10));
        store.DeleteStatus(name);
        log.Write(name, $"killed QEMU pid {pid}: {why}");
    }
}
