using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    // Answers are read leniently: a member a newer vireod added is skipped, not an error.
    private static readonly VireoJsonContext J = VireoJsonContext.Responses;

    public Task<List<DomainSummary>> ListDomainsAsync(CancellationToken ct = default) =>
        GetJsonAsync("v1/domains", J.ListDomainSummary, ct);

    public Task<DomainSummary> DefineAsync(string xml, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/domains", Xml(xml), J.DomainSummary, ct);

    public Task<DomainSummary> CreateAsync(string xml, bool paused, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, $"v1/domains?create=true&paused={(paused ? "true" : "false")}", Xml(xml), J.DomainSummary, ct);

    public async Task UndefineAsync(string name, bool nvram, bool keepNvram = false, CancellationToken ct = default)
    {
        var query = $"?nvram={(nvram ? "true" : "false")}&keepNvram={(keepNvram ? "true" : "false")}";
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/domains/{E(name)}{query}"), ct);
    }

    public Task<DomainSummary> ActionAsync(string name, string action, string query = "", CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, $"v1/domains/{E(name)}/{action}{query}", null, J.DomainSummary, ct);

    public Task<DomainInfo> InfoAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(name)}", J.DomainInfo, ct);

    public Task<DomainSummary> StateAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(name)}/state", J.DomainSummary, ct);

    /// <param name="secure">include graphics passwords (virsh dumpxml --security-info; edit needs them to keep them)</param>
    public async Task<string> DumpXmlAsync(string name, bool inactive, bool secure = false, CancellationToken ct = default)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, $"v1/domains/{E(name)}?inactive={(inactive ? "true" : "false")}&secure={(secure ? "true" : "false")}");
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
        using var resp = await SendAsync(req, ct);
        return await resp.Content.ReadAsStringAsync(ct);
    }

    public Task<DomainSummary> SetAutostartAsync(string name, bool enabled, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Put, $"v1/domains/{E(name)}/autostart", Json(new AutostartRequest { Enabled = enabled }, J.AutostartRequest), J.DomainSummary, ct);

    public Task<List<VcpuInfo>> VcpusAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(name)}/vcpus", J.ListVcpuInfo, ct);

    public Task<InstallResponse> InstallAsync(InstallRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/install", Json(request, J.InstallRequest), J.InstallResponse, ct);

    /// <summary>vireo install with its steps reported as they happen.</summary>
    public async Task<InstallResponse> InstallAsync(InstallRequest request, Action<string> onProgress, CancellationToken ct = default)
    {
        using var msg = new HttpRequestMessage(HttpMethod.Post, "v1/install/stream") { Content = Json(request, J.InstallRequest) };
        using var resp = await SendAsync(msg, ct, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            var l = JsonSerializer.Deserialize(line, J.InstallProgressLine)!;
            if (l.Progress is { } p) onProgress(p);
            if (l.Result is { } r) return r;
            if (l.Error is { } e) throw new VireoApiException(e.Code, e.Message, 500, e.Details);
        }
        throw new VireoApiException("OperationFailed", "the install stream ended without a result (did vireod stop?)", 500);
    }

    public Task<List<OsVariantInfo>> OsVariantsAsync(CancellationToken ct = default) => GetJsonAsync("v1/osinfo", J.ListOsVariantInfo, ct);

    public async Task<string?> AgentCommandAsync(string name, string command, int timeout, CancellationToken ct = default) =>
        (await SendJsonAsync(HttpMethod.Post, $"v1/domains/{E(name)}/agent",
            Json(new AgentCommandRequest { Command = command, Timeout = timeout }, J.AgentCommandRequest), J.AgentCommandResponse, ct)).Reply;

    public async Task<string> MonitorCommandAsync(string name, string command, bool hmp, CancellationToken ct = default) =>
        (await SendJsonAsync(HttpMethod.Post, $"v1/domains/{E(name)}/monitor",
            Json(new MonitorCommandRequest { Command = command, Hmp = hmp }, J.MonitorCommandRequest), J.MonitorCommandResponse, ct)).Output;

    /// <summary>The QEMU command line vireod would run for this XML ('domxml-to-native qemu-argv').</summary>
    public async Task<string> DomXmlToNativeAsync(string xml, CancellationToken ct = default)
    {
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "v1/domxml-to-native?format=qemu-argv") { Content = Xml(xml) }, ct);
        return await resp.Content.ReadAsStringAsync(ct);
    }

    public Task<HostInfo> HostAsync(CancellationToken ct = default) => GetJsonAsync("v1/host", J.HostInfo, ct);

    /// <summary>Streams lifecycle events until cancelled.</summary>
    public async IAsyncEnumerable<DomainEvent> EventsAsync(string? domain, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var path = "v1/events" + (domain is null ? "" : "?domain=" + Q(domain));
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct, HttpCompletionOption.ResponseHeadersRead);
        await using var s = await resp.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(s);
        while (!ct.IsCancellationRequested)
        {
            string? line;
            try { line = await reader.ReadLineAsync(ct); }
            catch (OperationCanceledException) { yield break; }
            catch (IOException) { yield break; }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            var ev = JsonSerializer.Deserialize(line, J.DomainEvent);
            if (ev is not null) yield return ev;
        }
    }

    /// <summary>Opens the serial console WebSocket. Errors (not running, busy) come back as <see cref="VireoApiException"/>.</summary>
    /// <param name="force">end a session already open (virsh console --force) instead of failing</param>
    public async Task<WebSocket> OpenConsoleAsync(string name, bool force = false, CancellationToken ct = default)
    {
        var ws = new ClientWebSocket();
        var baseUri = Uri.BaseAddress ?? new System.Uri("http://vireod/");
        var wsUri = Url(new System.Uri(baseUri.ToString().Replace("http", "ws")), $"v1/domains/{E(name)}/console{(force ? "?force=true" : "")}");
        ws.Options.CollectHttpResponseDetails = true;
        if (Token is { } token) ws.Options.SetRequestHeader("Authorization", "Bearer " + token.Value);
        try
        {
            await ws.ConnectAsync(wsUri, new HttpMessageInvoker(_handler, disposeHandler: false), ct);
            return ws;
        }
        catch (WebSocketException) when (ws.HttpStatusCode != 0 && ws.HttpStatusCode != System.Net.HttpStatusCode.SwitchingProtocols)
        {
            // The daemon answered with an error instead of upgrading: fetch it the plain way to get its message.
            var status = (int)ws.HttpStatusCode;
            ws.Dispose();
            using (await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"v1/domains/{E(name)}/console"), ct)) { }
            throw new VireoApiException("OperationFailed", $"the console of domain '{name}' could not be opened (HTTP {status})", status);
        }
        catch (WebSocketException e)
        {
            ws.Dispose();
            throw new VireoApiException("DaemonUnreachable", $"failed to connect to the daemon at {Uri.Text}: {e.Message}", 0);
        }
    }
}
