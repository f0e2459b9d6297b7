namespace Vireo.Storage;

/// <summary>Backends that can scan for pool sources (find-storage-pool-sources); the answer is libvirt's &lt;sources&gt; XML.</summary>
public interface ISourceFinder
{
    /// <param name="initiator">the iSCSI initiator IQN to discover as (find-storage-pool-sources-as --initiator); iSCSI finders only</param>
    Task<string> FindSourcesAsync(string? host, int? port, string? initiator, CancellationToken ct);
}
