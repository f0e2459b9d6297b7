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
public sealed class PoolBackends
{
    private readonly Dictionary<string, IPoolBackend> _byType;

    /// <param name="stateDir">Where backends keep private mounts (the gluster pool's FUSE mount).</param>
    public PoolBackends(IProcessRunner runner, ISecretValues secrets, string stateDir, KernelFeatures? kernel = null)
    {
        kernel ??= new KernelFeatures();
        _byType = new IPoolBackend[]
        {
            new DirPoolBackend(),
            new FsPoolBackend(runner),
            new Netfs.NetfsPoolBackend(runner, kernel),
            new Gluster.GlusterPoolBackend(runner, kernel, Path.Combine(stateDir, "gluster")),
            new DiskPoolBackend(runner),
            new LogicalPoolBackend(runner, kernel),
            new ZfsPoolBackend(runner, kernel),
            new IscsiPoolBackend(runner, kernel, secrets),
            new IscsiDirect.IscsiDirectPoolBackend(runner, secrets),
            new Rbd.RbdPoolBackend(runner, secrets, stateDir),
        }.ToDictionary(b => b.Type);
    }

    public IEnumerable<IPoolBackend> All => _byType.Values;

    public bool Has(string type) => _byType.ContainsKey(type);

    public ISourceFinder Finder(string type) => For(type) as ISourceFinder
        ?? throw new VireoException(ErrorCode.NotSupported, $"storage pool type '{type}' cannot scan for sources");

    public IPoolBackend For(string type) => _byType.TryGetValue(type, out var b) ? b
        : throw new VireoException(ErrorCode.NotSupported,
            $"storage pool type '{type}' is not supported by this build yet (supported: {string.Join(", ", _byType.Keys)})");
}
