using Vireo.Core.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>
/// What a &lt;disk type='volume'&gt; becomes when the guest runs: a file (dir, fs, netfs pools), a block
/// device (disk, logical, ...), or a network disk QEMU opens itself, with the pool's hosts and auth.
/// </summary>
public sealed record VolumeSource(string DiskType, string Format, string? Path, string? Protocol = null, string? Name = null,
    IReadOnlyList<PoolHost>? Hosts = null, PoolAuth? Auth = null);
