using Microsoft.Extensions.Logging;
using Vireo.Core.Domain;
using Vireo.Daemon.Domains.Disks;
using Vireo.Daemon.Domains.Nics;
using Vireo.Daemon.Domains.Pci;
using Vireo.Daemon.Resources;
using Vireo.Daemon.State;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains.Runner;

/// <summary>
/// Runs domains: start (every step with its undo), what happens when a QEMU exits, and the status file and
/// events that <see cref="DomainPower"/> and the device operations share. State changes go to the entry under
/// its short lock, to the status file, and out as events, in that order.
/// </summary>
public sealed partial class DomainRunner(DomainRegistry registry, DomainStore store, VireoPaths paths, QemuLauncher launcher,
    QemuHostOptions host, DomainEvents events, DomainLogWriter log, GuestNics nics, PciAssignment pci, DiskSources disks, HostPathCheck pathCheck,
    HostResources resources, ILogger<DomainRunner> logger) : IAsyncDisposable
{
    /// <summary>The status file: what a restarted vireod needs to find this QEMU again, with the live XML.</summary>
    internal void SaveStatus(DomainEntry e)
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

    internal void Publish(DomainEntry e, string ev, string detail) => events.Publish(e.Current, ev, detail);

    /// <summary>What a guest that is gone leaves on the host: macvtap links, OVS ports, PCI devices on vfio-pci, its claims.</summary>
    internal async Task ReleaseHostResourcesAsync(DomainDefinition live)
    {
        await nics.ReleaseAllAsync(live);
        await pci.ReleaseAsync(live);
        resources.ReleaseAll(live.Name);
    }

    /// <summary>The key QEMU's secrets were encrypted under; it exists only while its QEMU does (as in libvirt).</summary>
    internal void RemoveMasterKey(string name)
    {
        var key = paths.Qemu(name).MasterKey;
        if (File.Exists(key)) File.Delete(key);
    }

    /// <summary>The claims of a QEMU held without its monitor (DomainRecovery): its names stay its own.</summary>
    internal void ClaimHeld(DomainDefinition live) => nics.Reclaim(live);

    /// <summary>A held QEMU is gone (it ended, or destroy killed it): the domain is shut off and what it held is released.</summary>
    internal async Task ForgetHeldAsync(DomainEntry e, DomainDefinition live, int pid, string reason, string why)
    {
        lock (e)
        {
            if (e.UnansweredPid != pid) return;
            e.UnansweredPid = null;
            e.State = DomainState.ShutOff;
            e.Reason = reason;
            e.Live = e.Persistent is null ? e.Live : null;
        }
        await ReleaseHostResourcesAsync(live);
        store.DeleteStatus(e.Name);
        RemoveMasterKey(e.Name);
        log.Write(e.Name, why);
        Publish(e, "Stopped", reason == "destroyed" ? "Destroyed" : "Crashed");
        registry.RemoveTransient(e);
    }

    public async ValueTask DisposeAsync()
    {
        // vireod going away never stops a VM: only drop the QMP connections.
        foreach (var e in registry.Entries)
        {
            QemuInstance? i;
            lock (e) i = e.Instance;
            if (i is not null) await i.DisposeAsync();
        }
    }
}
