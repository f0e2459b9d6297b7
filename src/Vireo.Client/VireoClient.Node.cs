using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    public Task<NodeInfo> NodeInfoAsync(CancellationToken ct = default) => GetJsonAsync("v1/host/nodeinfo", J.NodeInfo, ct);
    public Task<List<NodeStat>> NodeMemStatsAsync(int? cell, CancellationToken ct = default) =>
        GetJsonAsync("v1/host/memstats" + (cell is { } c ? $"?cell={c}" : ""), J.ListNodeStat, ct);
    public Task<List<NodeStat>> NodeCpuStatsAsync(int? cpu, CancellationToken ct = default) =>
        GetJsonAsync("v1/host/cpustats" + (cpu is { } c ? $"?cpu={c}" : ""), J.ListNodeStat, ct);
    public Task<List<FreeCell>> FreeCellsAsync(CancellationToken ct = default) => GetJsonAsync("v1/host/freecells", J.ListFreeCell, ct);
    public async Task<string> SysInfoAsync(CancellationToken ct = default) => (await GetJsonAsync("v1/host/sysinfo", J.XmlDocumentResponse, ct)).Xml;
    public async Task<string> CapabilitiesAsync(CancellationToken ct = default) => (await GetJsonAsync("v1/host/capabilities", J.XmlDocumentResponse, ct)).Xml;
    public async Task<string> DomainCapabilitiesAsync(string? virttype, string? emulator, string? arch, string? machine, CancellationToken ct = default)
    {
        var q = new[] { ("virttype", virttype), ("emulatorbin", emulator), ("arch", arch), ("machine", machine) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={Q(p.Item2!)}");
        return (await GetJsonAsync("v1/host/domcapabilities?" + string.Join('&', q), J.XmlDocumentResponse, ct)).Xml;
    }
    public async Task<int> MaxVcpusAsync(string? type, CancellationToken ct = default) =>
        (await GetJsonAsync("v1/host/maxvcpus" + (type is null ? "" : $"?type={Q(type)}"), J.MaxVcpus, ct)).Count;
}
