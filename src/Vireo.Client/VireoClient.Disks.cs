using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    private static string Scope(bool live, bool config) => $"?live={(live ? "true" : "false")}&config={(config ? "true" : "false")}";

    public async Task AttachDeviceAsync(string domain, string xml, bool live, bool config, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1/domains/{E(domain)}/devices{Scope(live, config)}") { Content = Xml(xml) }, ct);
    }

    public async Task UpdateDeviceAsync(string domain, string xml, bool live, bool config, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Put, $"v1/domains/{E(domain)}/devices{Scope(live, config)}") { Content = Xml(xml) }, ct);
    }

    public async Task DetachDeviceAsync(string domain, string xml, bool live, bool config, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1/domains/{E(domain)}/devices/detach{Scope(live, config)}") { Content = Xml(xml) }, ct);
    }

    public async Task DetachDiskAsync(string domain, string target, bool live, bool config, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/domains/{E(domain)}/disks/{E(target)}{Scope(live, config)}"), ct);
    }

    public Task<List<DiskSummary>> BlockListAsync(string domain, bool inactive, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(domain)}/disks?inactive={(inactive ? "true" : "false")}", J.ListDiskSummary, ct);

    public Task<BlockInfo> BlockInfoAsync(string domain, string target, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(domain)}/disks/{E(target)}/info", J.BlockInfo, ct);

    public Task<List<BlockStats>> BlockStatsAsync(string domain, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(domain)}/blockstats", J.ListBlockStats, ct);

    public async Task BlockResizeAsync(string domain, string target, long size, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1/domains/{E(domain)}/disks/{E(target)}/resize")
            { Content = Json(new BlockResizeRequest { Size = size }, J.BlockResizeRequest) }, ct);
    }
}
