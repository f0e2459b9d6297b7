namespace Vireo.Qemu.Qmp;

/// <summary>How a <see cref="QmpClient"/> behaves: its default command timeout, who it speaks for, where its transcript goes.</summary>
public sealed record QmpOptions
{
    public static QmpOptions Default { get; } = new();

    /// <summary>
    /// How long a command may wait for its reply, unless the call gives its own; also the budget of the whole
    /// connect, greeting and qmp_capabilities handshake. vireod takes it from vireod.conf <c>qmp_timeout</c>.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whose monitor this is, for messages ("domain 'web1'"); null leaves it out.</summary>
    public string? Owner { get; init; }

    /// <summary>Receives every line sent and received, with secret values replaced (<see cref="QmpRedactor"/>).</summary>
    public Action<string>? Transcript { get; init; }
}
