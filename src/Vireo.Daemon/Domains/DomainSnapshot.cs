namespace Vireo.Daemon.Domains;

/// <summary>A domain as it stands at one moment, read under its entry's lock; the API maps it to its records.</summary>
public sealed record DomainSnapshot(int? Id, string Name, Guid Uuid, DomainState State, string Reason, bool Persistent, bool Autostart,
    string? Title, string OsType, int Vcpus, long MaxMemoryKiB, long UsedMemoryKiB, int? Pid);
