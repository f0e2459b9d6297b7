using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Domains.Devices;
using Vireo.Daemon.Domains.Queries;

namespace Vireo.Daemon.Api;

/// <summary>/v1/domains/{name}/interfaces: domiflist, domifaddr, domif-setlink/getlink, domifstat.</summary>
public static class DomainInterfaceEndpoints
{
    private const string Iface = "the interface's host device name (vnet0) or MAC address";

    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/domains/{name}/interfaces").WithTags("Domain interfaces").WithParameter("name", DomainDeviceEndpoints.DomainName);
        g.MapGet("", (DomainInterfaces s, string name, bool? inactive) => s.List(name, inactive == true).Select(DomainMapping.Nic).ToList())
            .WithName("ListDomainInterfaces").WithSummary("The domain's interfaces (domiflist)").WithParameter("inactive", "of the persistent definition");
        g.MapDelete("", async (DomainDevices s, string name, string? type, string? mac, bool? live, bool? config) =>
        {
            await s.DetachInterfaceAsync(name, type, mac, DomainDeviceEndpoints.Scope(live, config));
            return Results.NoContent();
        })
        .WithName("DetachInterface").WithSummary("Detach an interface by type and MAC (detach-interface)").Produces(StatusCodes.Status204NoContent)
        .WithParameter("type", "the interface type (network, bridge, direct, ...)").WithParameter("mac", "its MAC address, when several have the type")
        .WithParameter("live", DomainDeviceEndpoints.Live).WithParameter("config", DomainDeviceEndpoints.Config);
        g.MapGet("/addresses", async (DomainInterfaces s, string name, string? source) =>
            (await s.AddressesAsync(name, source ?? "lease")).Select(DomainMapping.Address).ToList())
            .WithName("GetInterfaceAddresses").WithSummary("The guest's addresses (domifaddr)")
            .WithParameter("source", "where they come from (default lease)", "lease", "arp", "agent");
        g.MapGet("/{iface}/link", (DomainInterfaces s, string name, string iface) => new LinkStateRequest { State = s.GetLink(name, iface) })
            .WithName("GetInterfaceLink").WithSummary("Link state, up or down (domif-getlink)").WithParameter("iface", Iface);
        g.MapPut("/{iface}/link", async (DomainInterfaces s, string name, string iface, LinkStateRequest body) =>
        {
            await s.SetLinkAsync(name, iface, body.State);
            return Results.NoContent();
        })
        .WithName("SetInterfaceLink").WithSummary("Set the link state, up or down (domif-setlink)").WithParameter("iface", Iface)
        .Produces(StatusCodes.Status204NoContent);
        g.MapGet("/{iface}/stats", (DomainInterfaces s, string name, string iface) => DomainMapping.Counters(s.Stats(name, iface)))
            .WithName("GetInterfaceStats").WithSummary("Traffic counters (domifstat)").WithParameter("iface", Iface);
    }
}
