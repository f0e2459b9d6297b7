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
        var g = app.MapGroup("/v1/host").WithTags("Host");
        g.MapGet("/nodeinfo", (NodeService s) => s.Info())
            .WithName("GetNodeInfo").WithSummary("CPU and memory of the host (nodeinfo)");
        g.MapGet("/memstats", (NodeService s, int? cell) => s.MemStats(cell))
            .WithName("GetNodeMemoryStats").WithSummary("Memory statistics in KiB (nodememstats)").WithParameter("cell", "one NUMA cell's");
        g.MapGet("/cpustats", (NodeService s, int? cpu) => s.CpuStats(cpu))
            .WithName("GetNodeCpuStats").WithSummary("Cumulative CPU times in ns (nodecpustats)").WithParameter("cpu", "one CPU's");
        g.MapGet("/freecells", (NodeService s) => s.FreeCells())
            .WithName("GetFreeCells").WithSummary("Free memory per NUMA cell in KiB (freecell)");
        g.MapGet("/sysinfo", (NodeService s) => new XmlDocumentResponse { Xml = s.SysInfo() })
            .WithName("GetSysInfo").WithSummary("SMBIOS data as libvirt's sysinfo XML");
        g.MapGet("/capabilities", async (NodeService s) => new XmlDocumentResponse { Xml = await s.CapabilitiesXmlAsync() })
            .WithName("GetCapabilities").WithSummary("libvirt's capabilities XML");
        g.MapGet("/domcapabilities", async (NodeService s, string? virttype, string? emulatorbin, string? arch, string? machine) =>
            new XmlDocumentResponse { Xml = await s.DomainCapabilitiesXmlAsync(virttype, emulatorbin, arch, machine) })
            .WithName("GetDomainCapabilities").WithSummary("libvirt's domcapabilities XML, for the default or the given emulator, architecture, machine and type");
        g.MapGet("/maxvcpus", async (NodeService s, string? type) => new MaxVcpus { Count = await s.MaxVcpusAsync(type) })
            .WithName("GetMaxVcpus").WithSummary("Most vCPUs a guest may have (maxvcpus)").WithParameter("type", "virtualization type (default kvm where usable)", "kvm", "qemu");
    }
}
