using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Host.Facts;
using Vireo.Host.Processes;
using Vireo.Storage.Dir;
using Vireo.Storage.Disk;
using Vireo.Storage.Fs;
using Vireo.Storage.Iscsi;
using Vireo.Storage.Logical;
using Vireo.Storage.Zfs;

namespace Vireo.Storage;

/// <summary>The backend for each pool type this build implements.</summary>
public sealed class PoolBackends(IEnumerable<IPoolBackend> backends)
{
    private readonly Dictionary<string, IPoolBackend> _byType = backends.ToDictionary(b => b.Type);

    /// <summary>Every backend of this build, on this host.</summary>
    /// <param name="stateDir">Where backends keep private mounts (the gluster pool's FUSE mount).</param>
    public static PoolBackends ForHost(IProcessRunner runner, ISecretValues secrets, string stateDir, ILogger logger, KernelFeatures? kernel = null)
    {
        kernel ??= new KernelFeatures();
        return new PoolBackends(
        [
            new DirPoolBackend(logger),
            new FsPoolBackend(runner, logger),
            new Netfs.NetfsPoolBackend(runner, kernel, logger),
            new Gluster.GlusterPoolBackend(runner, kernel, Path.Combine(stateDir, "gluster"), logger),
            new DiskPoolBackend(runner, logger),
            new LogicalPoolBackend(runner, kernel, logger),
            new ZfsPoolBackend(runner, kernel, logger),
            new IscsiPoolBackend(runner, kernel, secrets, logger),
            new IscsiDirect.IscsiDirectPoolBackend(runner, secrets),
            new Rbd.RbdPoolBackend(runner, secrets, stateDir, logger),
        ]);
    }

    public IEnumerable<IPoolBackend> All => _byType.Values;

    public bool Has(string type) => _byType.ContainsKey(type);

    public ISourceFinder Finder(string type) => For(type) as ISourceFinder
        ?? throw new VireoException(ErrorCode.NotSupported, $"storage pool type '{type}' cannot scan for sources");

    public IPoolBackend For(string type) => _byType.TryGetValue(type, out var b) ? b
        : throw new VireoException(ErrorCode.NotSupported,
            $"storage pool type '{type}' is not supported by this build yet (supported: {string.Join(", ", _byType.Keys)})");
}
