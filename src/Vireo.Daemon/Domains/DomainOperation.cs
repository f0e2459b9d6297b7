using Vireo.Core.Errors;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains;

/// <summary>
/// A held operation lock on one domain (<c>await using</c>): lifecycle and device changes of one domain
/// run one at a time, reads never wait for them (they read the entry's snapshot under its short lock).
/// </summary>
internal sealed class DomainOperation : IAsyncDisposable
{
    private int _released;

    private DomainOperation(DomainEntry entry, QemuInstance? instance) => (Entry, Instance) = (entry, instance);

    public DomainEntry Entry { get; }

    /// <summary>The running QEMU, when the operation was begun with <see cref="RunningAsync"/>.</summary>
    public QemuInstance? Instance { get; }

    public QemuInstance Running => Instance ?? throw new InvalidOperationException("operation was not begun on a running domain");

    public static async Task<DomainOperation> BeginAsync(DomainEntry e)
    {
        await e.OpLock.WaitAsync();
        return new DomainOperation(e, null);
    }

    /// <summary>Begins an operation that needs the domain running: libvirt's "domain is not running" otherwise.</summary>
    public static async Task<DomainOperation> RunningAsync(DomainEntry e)
    {
        await e.OpLock.WaitAsync();
        QemuInstance? i;
        int? unanswered;
        lock (e) (i, unanswered) = (e.Instance, e.UnansweredPid);
        if (i is not null) return new DomainOperation(e, i);
        e.OpLock.Release();
        if (unanswered is { } pid)
            throw new VireoException(ErrorCode.OperationTimeout,
                $"Timed out during operation: the QEMU monitor of domain '{e.Name}' (pid {pid}) is not answering; vireod keeps trying to reach it, 'destroy' still works");
        throw NotRunning(e.Name);
    }

    public static VireoException NotRunning(string name) => VireoException.Invalid($"Requested operation is not valid: domain '{name}' is not running");

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) Entry.OpLock.Release();
        return ValueTask.CompletedTask;
    }
}
