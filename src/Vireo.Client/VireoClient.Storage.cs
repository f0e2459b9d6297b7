using System.Net.Http.Headers;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    private const string Pools = "v1/storage/pools";

    public Task<List<PoolSummary>> ListPoolsAsync(CancellationToken ct = default) => GetJsonAsync(Pools, J.ListPoolSummary, ct);

    public Task<PoolSummary> DefinePoolAsync(string xml, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, Pools, Xml(xml), J.PoolSummary, ct);

    public Task<PoolSummary> CreatePoolAsync(string xml, string? buildMode, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, $"{Pools}?create=true{(buildMode is null ? "" : "&build=" + Q(buildMode))}", Xml(xml), J.PoolSummary, ct);

    public Task<PoolSummary> PoolAsync(string pool, CancellationToken ct = default) => GetJsonAsync($"{Pools}/{E(pool)}", J.PoolSummary, ct);

    public Task<string> PoolXmlAsync(string pool, bool inactive, CancellationToken ct = default) =>
        GetXmlAsync($"{Pools}/{E(pool)}?inactive={(inactive ? "true" : "false")}", ct);

    public async Task UndefinePoolAsync(string pool, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"{Pools}/{E(pool)}"), ct);
    }

    /// <summary>start, destroy, build (mode overwrite|no-overwrite), delete, refresh.</summary>
    public Task<PoolSummary> PoolActionAsync(string pool, string action, string? mode = null, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, $"{Pools}/{E(pool)}/{action}{(mode is null ? "" : "?mode=" + Q(mode))}", null, J.PoolSummary, ct);

    public Task<PoolSummary> SetPoolAutostartAsync(string pool, bool enabled, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Put, $"{Pools}/{E(pool)}/autostart", Json(new AutostartRequest { Enabled = enabled }, J.AutostartRequest), J.PoolSummary, ct);

    public Task<string> FindPoolSourcesAsync(string type, string? host, int? port, string? initiator = null, CancellationToken ct = default) =>
        GetXmlAsync($"v1/storage/sources?type={Q(type)}{(host is null ? "" : "&host=" + Q(host))}{(port is null ? "" : "&port=" + port)}" +
                    (initiator is null ? "" : "&initiator=" + Q(initiator)), ct);

    public Task<List<string>> PoolTypesAsync(CancellationToken ct = default) => GetJsonAsync("v1/storage/capabilities", J.ListString, ct);

    public Task<List<VolumeSummary>> ListVolumesAsync(string pool, CancellationToken ct = default) =>
        GetJsonAsync($"{Pools}/{E(pool)}/volumes", J.ListVolumeSummary, ct);

    public Task<VolumeSummary> CreateVolumeAsync(string pool, string xml, string? fromPool = null, string? fromVolume = null, bool preallocMetadata = false, CancellationToken ct = default)
    {
        var q = new List<string>();
        if (fromVolume is not null) q.Add("fromVolume=" + Q(fromVolume));
        if (fromPool is not null) q.Add("fromPool=" + Q(fromPool));
        if (preallocMetadata) q.Add("preallocMetadata=true");
        return SendJsonAsync(HttpMethod.Post, $"{Pools}/{E(pool)}/volumes{(q.Count > 0 ? "?" + string.Join("&", q) : "")}", Xml(xml), J.VolumeSummary, ct);
    }

    /// <summary>A volume by name in a pool, or by key/path when pool is null.</summary>
    private static string Vol(string? pool, string volume) => $"{Pools}/{E(pool ?? "-")}/volumes/{E(volume)}";

    public Task<VolumeSummary> VolumeAsync(string? pool, string volume, CancellationToken ct = default) => GetJsonAsync(Vol(pool, volume), J.VolumeSummary, ct);

    public Task<string> VolumeXmlAsync(string? pool, string volume, CancellationToken ct = default) => GetXmlAsync(Vol(pool, volume), ct);

    public async Task DeleteVolumeAsync(string? pool, string volume, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, Vol(pool, volume)), ct);
    }

    public Task<VolumeSummary> WipeVolumeAsync(string? pool, string volume, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, Vol(pool, volume) + "/wipe", null, J.VolumeSummary, ct);

    public Task<VolumeSummary> ResizeVolumeAsync(string? pool, string volume, VolumeResizeRequest r, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, Vol(pool, volume) + "/resize", Json(r, J.VolumeResizeRequest), J.VolumeSummary, ct);

    public Task<VolumeSummary> UploadVolumeAsync(string? pool, string volume, Stream data, long offset, long? length, CancellationToken ct = default)
    {
        var content = new StreamContent(data, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendJsonAsync(HttpMethod.Put, $"{Vol(pool, volume)}/data?offset={offset}{(length is { } l ? "&length=" + l : "")}", content, J.VolumeSummary, ct);
    }

    /// <summary>The response stream and its length; the caller copies it (sparsely) and disposes the response.</summary>
    public async Task<(HttpResponseMessage Response, Stream Data, long? Length)> DownloadVolumeAsync(string? pool, string volume, long offset, long? length, CancellationToken ct = default)
    {
        var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"{Vol(pool, volume)}/data?offset={offset}{(length is { } l ? "&length=" + l : "")}"), ct,
            HttpCompletionOption.ResponseHeadersRead);
        return (resp, await resp.Content.ReadAsStreamAsync(ct), resp.Content.Headers.ContentLength);
    }

    public Task<List<SecretSummary>> ListSecretsAsync(CancellationToken ct = default) => GetJsonAsync("v1/secrets", J.ListSecretSummary, ct);

    public Task<SecretSummary> DefineSecretAsync(string xml, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/secrets", Xml(xml), J.SecretSummary, ct);

    public Task<string> SecretXmlAsync(string uuid, CancellationToken ct = default) => GetXmlAsync($"v1/secrets/{E(uuid)}", ct);

    public async Task UndefineSecretAsync(string uuid, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/secrets/{E(uuid)}"), ct);
    }

    public Task<SecretSummary> SetSecretValueAsync(string uuid, string base64, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Put, $"v1/secrets/{E(uuid)}/value", Json(new SecretValue { Value = base64 }, J.SecretValue), J.SecretSummary, ct);

    public Task<SecretValue> GetSecretValueAsync(string uuid, CancellationToken ct = default) => GetJsonAsync($"v1/secrets/{E(uuid)}/value", J.SecretValue, ct);

    private async Task<string> GetXmlAsync(string path, CancellationToken ct)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, path);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
        using var resp = await SendAsync(req, ct);
        return await resp.Content.ReadAsStringAsync(ct);
    }
}
