namespace Vireo.Qemu.Launch;

/// <summary>Host-wide settings of the QEMU driver, from vireod.conf.</summary>
public sealed record QemuDriverOptions
{
    /// <summary>How long a QMP command may wait for QEMU (<c>qmp_timeout</c>); also bounds the QMP handshake.</summary>
    public TimeSpan QmpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The group that may read domain and console logs (<c>log_group</c>): they are 0640 to it, 0600 without one.</summary>
    public string? LogGroup { get; init; }

    /// <summary>How long QEMU may take to initialise; null: <see cref="QemuLauncher.StartTimeout"/> works it out from the guest.</summary>
    public TimeSpan? StartTimeout { get; init; }

    /// <summary>How long 'destroy' waits for QEMU to die after SIGKILL before it reports the process as stuck.</summary>
    public TimeSpan KillWait { get; init; } = TimeSpan.FromSeconds(15);
}
