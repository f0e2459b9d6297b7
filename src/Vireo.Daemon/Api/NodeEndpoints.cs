using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Node;

namespace Vireo.Daemon.Api;

/// <summary>/v1/host/...: nodeinfo, nodememstats, nodecpustats, freecell, sysinfo, capabilities, domcapabilities, maxvcpus.</summary>
public static class NodeEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/host");
        g.MapGet("/nodeinfo", (NodeService s) => s.Info());
        g.MapGet("/memstats", (NodeService s, int? cell) => s.MemStats(cell));
        g.MapGet("/cpustats", (NodeService s, int? cpu) => s.CpuStats(cpu));
        g.MapGet("/freecells", (NodeService s) => s.FreeCells());
        g.MapGet("/sysinfo", (NodeService s) => new XmlDocumentResponse { Xml = s.SysInfo() });
        g.MapGet("/capabilities", async (NodeService s) => new XmlDocumentResponse { Xml = await s.CapabilitiesXmlAsync() });
        g.MapGet("/domcapabilities", async (NodeService s, string? virttype, string? emulatorbin, string? arch, string? machine) =>
            new XmlDocumentResponse { Xml = await s.DomainCapabilitiesXmlAsync(virttype, emulatorbin, arch, machine) });
        g.MapGet("/maxvcpus", async (NodeService s, string? type) => new MaxVcpus { Count = await s.MaxVcpusAsync(type) });
    }
}
