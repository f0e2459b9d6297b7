using Vireo.Core.Domain;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains;

/// <summary>
/// One domain as vireod knows it. Mutating operations hold <see cref="OpLock"/> for their whole
/// length; the fields below are only swapped under <c>lock(this)</c>, so read-only queries see a
/// consistent snapshot without ever waiting behind a long operation.
/// </summary>
internal sealed class DomainEntry(DomainDefinition? persistent)
{
    public SemaphoreSlim OpLock { get; } = new(1, 1);

    /// <summary>The guest agent's socket takes one client at a time.</summary>
    public SemaphoreSlim AgentLock { get; } = new(1, 1);

    public DomainDefinition? Persistent { get; set; } = persistent;
    public DomainDefinition? Live { get; set; }
    public QemuInstance? Instance { get; set; }
    public int? Id { get; set; }
    public DomainState State { get; set; } = DomainState.ShutOff;
    public string Reason { get; set; } = "unknown";
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Set by 'reboot': the next guest shutdown starts the domain again.</summary>
    public bool RebootRequested { get; set; }

    /// <summary>Completes when the current QEMU's exit has been fully handled.</summary>
    public TaskCompletionSource? Finalized { get; set; }

    /// <summary>The console session holding the serial socket, if any.</summary>
    public ConsoleClaim? Console { get; set; }

    /// <summary>
    /// A QEMU found running when vireod started whose monitor did not answer: it runs, vireod keeps trying to
    /// reach it, and destroy can still kill it (by pid).
    /// </summary>
    public int? UnansweredPid { get; set; }

    public DomainDefinition Current => Live ?? Persistent!;
    public string Name => Current.Name;
    public bool IsActive => Instance is not null;
}
