using Vireo.Core.Storage;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>One pool's definition and live state. Operations on a pool hold its OpLock.</summary>
public sealed class PoolEntry(StoragePoolDefinition def, bool persistent)
{
    public StoragePoolDefinition Definition { get; set; } = def;
    public bool Persistent { get; set; } = persistent;
    public bool Active { get; set; }
    public PoolSizes Sizes { get; set; } = new(0, 0, 0);
    public IReadOnlyList<VolumeRecord> Volumes { get; set; } = [];
    public SemaphoreSlim OpLock { get; } = new(1, 1);
    public string Name => Definition.Name;
}
