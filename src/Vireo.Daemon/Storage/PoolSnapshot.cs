using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>A pool as pool-list and pool-info see it; its sizes are zero while it is inactive.</summary>
public sealed record PoolSnapshot(string Name, Guid Uuid, string Type, bool Active, bool Autostart, bool Persistent, PoolSizes Sizes, string? TargetPath);

/// <summary>A volume and the pool it was found in.</summary>
public sealed record PoolVolume(string Pool, VolumeRecord Volume);

/// <summary>vol-resize: an absolute capacity, or (<paramref name="Delta"/>) a change of it; shrinking needs <paramref name="Shrink"/>.</summary>
public sealed record VolumeResize(long Capacity, bool Delta, bool Shrink);
