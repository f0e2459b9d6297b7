using Vireo.Core.Errors;
using Vireo.Host.Processes;
using Vireo.Storage.Dir;
using Vireo.Storage.Fs;

namespace Vireo.Storage;

/// <summary>The backend for each pool type this build implements.</summary>
public sealed class PoolBackends(IProcessRunner runner)
{
    private readonly Dictionary<string, IPoolBackend> _byType = new IPoolBackend[]
    {
        new DirPoolBackend(),
        new FsPoolBackend(runner),
    }.ToDictionary(b => b.Type);

    public IEnumerable<IPoolBackend> All => _byType.Values;

    public bool Has(string type) => _byType.ContainsKey(type);

    public IPoolBackend For(string type) => _byType.TryGetValue(type, out var b) ? b
        : throw new VireoException(ErrorCode.NotSupported,
            $"storage pool type '{type}' is not supported by this build yet (supported: {string.Join(", ", _byType.Keys)})");
}
