namespace Vireo.Storage;

/// <summary>Backends that can scan for pool sources (find-storage-pool-sources); the answer is libvirt's &lt;sources&gt; XML.</summary>
public interface ISourceFinder
{
    Task<string> FindSourcesAsync(string? host, int? port, CancellationToken ct);
}
