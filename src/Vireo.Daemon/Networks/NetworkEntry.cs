using Vireo.Core.Network;

namespace Vireo.Daemon.Networks;

/// <summary>One network's definition and, while it runs, its live definition. Lifecycle operations hold its OpLock.</summary>
public sealed class NetworkEntry(NetworkDefinition def, bool persistent)
{
    public NetworkDefinition Definition { get; set; } = def;
    public bool Persistent { get; set; } = persistent;
    public NetworkDefinition? Live { get; set; }
    public SemaphoreSlim OpLock { get; } = new(1, 1);
    public string Name => Definition.Name;
}
