using Vireo.Core.Domain;
using Vireo.Host.Processes;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Domains.Runner;

public sealed partial class DomainRecovery
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A QEMU that runs but whose monitor did not answer when vireod started: it is not killed (its guest may be
    /// fine, the monitor only slow or the process stopped), it counts as running, its host resources stay claimed,
    /// and vireod keeps reconnecting until the monitor answers, the process ends, or the user destroys it.
    /// </summary>
    private void Hold(DomainEntry entry, DomainDefinition live, int pid, DateTimeOffset started, string reason, string why)
    {
        var id = registry.NextId();
        lock (entry)
        {
            entry.Live = live;
            entry.UnansweredPid = pid;
            entry.Id = id;
            entry.StartTime = started;
            entry.State = DomainState.Running;
            entry.Reason = DomainRegistry.MonitorNotAnswering;
        }
        runner.ClaimHeld(live);
        log.Write(live.Name, $"QEMU pid {pid} runs but its monitor does not answer ({why}); retrying every {RetryEvery.TotalSeconds:0} s");
        _ = Task.Run(() => RetryAsync(entry, live, pid, id, started, reason));
    }

    private async Task RetryAsync(DomainEntry entry, DomainDefinition live, int pid, int id, DateTimeOffset started, string reason)
    {
        var name = live.Name;
        using var watcher = PidWatcher.Open(pid);
        using var tick = new PeriodicTimer(RetryEvery);
        while (await tick.WaitForNextTickAsync())
        {
            lock (entry) if (entry.UnansweredPid != pid) return; // destroyed meanwhile
            if (watcher is null || watcher.HasExited())
            {
                await runner.ForgetHeldAsync(entry, live, pid, "crashed", $"QEMU pid {pid} ended while its monitor was not answering");
                return;
            }
            try
            {
                var instance = await launcher.AttachAsync(name, pid, paths.Qemu(name).QmpSocket, line => log.Write(name, line));
                await using var op = await DomainOperation.BeginAsync(entry);
                lock (entry)
                {
                    if (entry.UnansweredPid != pid) { _ = instance.DisposeAsync(); return; }
                    entry.UnansweredPid = null;
                }
                await runner.AdoptAsync(entry, instance, live, id, started, reason, CancellationToken.None);
                log.Write(name, $"the monitor of QEMU pid {pid} answers again; the domain is managed again");
                return;
            }
            catch (QmpException) { }
            catch (IOException) { }
            catch (System.Net.Sockets.SocketException) { }
        }
    }
}
