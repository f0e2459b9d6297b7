namespace Vireo.Daemon.Domains;

/// <summary>virsh's domain states, with the words virsh prints.</summary>
public enum DomainState { Running, Paused, ShutOff, Crashed, InShutdown }

public static class DomainStateText
{
    public static string Of(DomainState s) => s switch
    {
        DomainState.Running => "running",
        DomainState.Paused => "paused",
        DomainState.ShutOff => "shut off",
        DomainState.Crashed => "crashed",
        DomainState.InShutdown => "in shutdown",
        _ => "no state",
    };
}
