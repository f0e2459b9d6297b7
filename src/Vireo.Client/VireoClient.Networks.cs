using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    public Task<List<NetworkSummary>> ListNetworksAsync(CancellationToken ct = default) => GetJsonAsync("v1/networks", J.ListNetworkSummary, ct);

    public Task<NetworkSummary> DefineNetworkAsync(string xml, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/networks", Xml(xml), J.NetworkSummary, ct);

    public Task<NetworkSummary> CreateNetworkAsync(string xml, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/networks?create=true", Xml(xml), J.NetworkSummary, ct);

    public Task<NetworkSummary> NetworkAsync(string name, CancellationToken ct = default) => GetJsonAsync($"v1/networks/{E(name)}", J.NetworkSummary, ct);

    public Task<string> NetworkXmlAsync(string name, bool inactive, CancellationToken ct = default) =>
        GetXmlAsync($"v1/networks/{E(name)}?inactive={(inactive ? "true" : "false")}", ct);

    public async Task UndefineNetworkAsync(string name, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/networks/{E(name)}"), ct);
    }

    public Task<NetworkSummary> NetworkActionAsync(string name, string action, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, $"v1/networks/{E(name)}/{action}", null, J.NetworkSummary, ct);

    public Task<NetworkSummary> SetNetworkAutostartAsync(string name, bool enabled, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Put, $"v1/networks/{E(name)}/autostart", Json(new AutostartRequest { Enabled = enabled }, J.AutostartRequest), J.NetworkSummary, ct);

    public Task<List<NetworkLease>> NetworkLeasesAsync(string name, string? mac, CancellationToken ct = default) =>
        GetJsonAsync($"v1/networks/{E(name)}/leases{(mac is null ? "" : "?mac=" + Q(mac))}", J.ListNetworkLease, ct);

    public async Task UpdateNetworkAsync(string name, NetworkUpdateRequest r, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1/networks/{E(name)}/update") { Content = Json(r, J.NetworkUpdateRequest) }, ct);
    }

    public Task<List<InterfaceSummary>> InterfaceListAsync(string domain, bool inactive, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(domain)}/interfaces?inactive={(inactive ? "true" : "false")}", J.ListInterfaceSummary, ct);

    public Task<List<InterfaceAddress>> InterfaceAddressesAsync(string domain, string source, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(domain)}/interfaces/addresses?source={Q(source)}", J.ListInterfaceAddress, ct);

    public Task<LinkStateRequest> GetLinkAsync(string domain, string iface, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(domain)}/interfaces/{E(iface)}/link", J.LinkStateRequest, ct);

    public async Task SetLinkAsync(string domain, string iface, string state, CancellationToken ct = default)
    {
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Put, $"v1/domains/{E(domain)}/interfaces/{E(iface)}/link")
            { Content = Json(new LinkStateRequest { State = state }, J.LinkStateRequest) }, ct);
    }

    public Task<InterfaceStats> InterfaceStatsAsync(string domain, string iface, CancellationToken ct = default) =>
        GetJsonAsync($"v1/domains/{E(domain)}/interfaces/{E(iface)}/stats", J.InterfaceStats, ct);

    public async Task DetachInterfaceAsync(string domain, string type, string? mac, bool live, bool config, CancellationToken ct = default)
    {
        var q = $"?type={Q(type)}{(mac is null ? "" : "&mac=" + Q(mac))}&live={(live ? "true" : "false")}&config={(config ? "true" : "false")}";
        using var _ = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/domains/{E(domain)}/interfaces{q}"), ct);
    }
}
