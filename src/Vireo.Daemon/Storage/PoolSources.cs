using Vireo.Core.Errors;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>The pool types this build has, and find-storage-pool-sources(-as).</summary>
public sealed class PoolSources(PoolBackends backends)
{
    public IReadOnlyList<string> Types() => backends.All.Select(b => b.Type).ToList();

    /// <summary>What a backend's scan finds, as libvirt's &lt;sources&gt; XML.</summary>
    public async Task<string> FindAsync(string type, string? host, int? port, string? initiator, CancellationToken ct)
    {
        try { return await backends.Finder(type).FindSourcesAsync(host, port, initiator, ct); }
        catch (Vireo.Host.Processes.ProcessFailedException ex) { throw new VireoException(ErrorCode.OperationFailed, $"finding {type} sources failed: {ex.Message}"); }
    }
}
