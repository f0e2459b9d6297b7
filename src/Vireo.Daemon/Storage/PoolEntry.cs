using Vireo.Core.Storage;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>One pool's definition and live state. Operations that change a pool hold its <see cref="OpLock"/>.</summary>
public sealed class PoolEntry(StoragePoolDefinition def, bool persistent)
{
    public StoragePoolDefinition Definition { get; set; } = def;
    public bool Persistent { get; set; } = persistent;
    public bool Active { get; set; }
    public PoolSizes Sizes { get; private set; } = new(0, 0, 0);
    public IReadOnlyList<VolumeRecord> Volumes { get; private set; } = [];
    public SemaphoreSlim OpLock { get; } = new(1, 1);
    public string Name => Definition.Name;

    /// <summary>Reads the pool's sizes and volumes again from its backend.</summary>
    public async Task RefreshAsync(IPoolBackend backend, CancellationToken ct)
    {
        var (sizes, volumes) = await backend.RefreshAsync(Definition, ct);
        Sizes = sizes;
        Volumes = volumes;
    }
}
