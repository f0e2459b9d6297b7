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
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/domains/{name}/interfaces");
        g.MapGet("", (DomainInterfaces s, string name, bool? inactive) => s.List(name, inactive == true).Select(DomainMapping.Nic).ToList());
        g.MapDelete("", async (DomainDevices s, string name, string? type, string? mac, bool? live, bool? config) =>
        {
            await s.DetachInterfaceAsync(name, type, mac, DomainDeviceEndpoints.Scope(live, config));
            return Results.NoContent();
        });
        g.MapGet("/addresses", async (DomainInterfaces s, string name, string? source) =>
            (await s.AddressesAsync(name, source ?? "lease")).Select(DomainMapping.Address).ToList());
        g.MapGet("/{iface}/link", (DomainInterfaces s, string name, string iface) => new LinkStateRequest { State = s.GetLink(name, iface) });
        g.MapPut("/{iface}/link", async (DomainInterfaces s, string name, string iface, LinkStateRequest body) =>
        {
            await s.SetLinkAsync(name, iface, body.State);
            return Results.NoContent();
        });
        g.MapGet("/{iface}/stats", (DomainInterfaces s, string name, string iface) => DomainMapping.Counters(s.Stats(name, iface)));
    }
}
