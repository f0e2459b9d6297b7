using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains;

public sealed partial class DomainService
{
    /// <summary>
    /// Loads definitions, reconnects to every QEMU still running from a previous vireod (its
    /// status file names pid and QMP socket), then starts autostart domains.
    /// </summary>
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        foreach (var (file, xml) in store.LoadDefinitions())
        {
            try
            {
                var def = DomainDefinition.Parse(xml);
                _domains[def.Name] = new DomainEntry(def);
            }
            catch (VireoException ex)
            {
                Log.BadDefinition(logger, file, ex.Message);
            }
        }
        foreach (var (name, xml) in store.LoadStatuses())
            await ReconnectAsync(name, xml, ct);
        foreach (var e in _domains.Values.Where(e => !e.IsActive && e.Persistent is not null && store.IsAutostart(e.Name)).ToList())
        {
            try
            {
                await StartAsync(e.Name, paused: false);
                Log.Autostarted(logger, e.Name);
            }
            catch (VireoException ex)
            {
                Log.AutostartFailed(logger, e.Name, ex.Message);
            }
        }
    }

    private async Task ReconnectAsync(string name, string xml, CancellationToken ct)
    {
        QemuStatusFile status;
        DomainDefinition live;
        try
        {
            status = QemuStatusFile.Parse(xml);
            live = DomainDefinition.Parse(status.LiveDomain.ToString());
        }
        catch (Exception ex) when (ex is VireoException or FormatException or NullReferenceException or ArgumentException)
        {
            Log.BadStatus(logger, name, ex.Message);
            store.DeleteStatus(name);
            return;
        }
        var entry = _domains.GetOrAdd(name, _ => new DomainEntry(null));
        QemuInstance instance;
        try
        {
            instance = await QemuInstance.AttachAsync(status.Pid, status.QmpSocket, line => DomainLog(name, line), ct);
        }
        catch (Exception ex)
        {
            // QEMU died while vireod was away.
            DomainLog(name, $"QEMU pid {status.Pid} is gone ({ex.Message}); domain is shut off");
            await ReleaseHostResourcesAsync(live);
            store.DeleteStatus(name);
            lock (entry) { entry.State = DomainState.ShutOff; entry.Reason = "crashed"; }
            if (entry.Persistent is null) _domains.TryRemove(name, out _);
            return;
        }
        var qstatus = await instance.Qmp.QueryStatusAsync(ct);
        var finalized = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = int.TryParse(status.LiveDomain.Attribute("id")?.Value, out var n) ? n : Interlocked.Increment(ref _lastId);
        InterlockedMax(ref _lastId, id);
        lock (entry)
        {
            entry.Live = live;
            entry.Instance = instance;
            entry.Id = id;
            entry.StartTime = status.StartTime;
            entry.State = qstatus.Running ? DomainState.Running : qstatus.Status == "guest-panicked" ? DomainState.Crashed : DomainState.Paused;
            entry.Reason = qstatus.Running ? status.Reason : qstatus.Status == "guest-panicked" ? "panicked" : "user";
            entry.Finalized = finalized;
        }
        instance.EventReceived += ev => OnQmpEvent(entry, instance, ev);
        _ = HandleExitAsync(entry, instance, finalized);
        SaveStatus(entry);
        DomainLog(name, $"reconnected to QEMU pid {status.Pid}");
        Log.Reconnected(logger, name, status.Pid);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
