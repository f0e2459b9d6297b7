namespace Vireo.Daemon.Secrets;

/// <summary>A secret as secret-list shows it; <paramref name="Usage"/> is virsh's Usage column ("ceph client.admin secret", "Unused").</summary>
public sealed record SecretSnapshot(Guid Uuid, string? UsageType, string? UsageId, string Usage, bool Private, bool Ephemeral, bool HasValue);
