using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Domains;

namespace Vireo.Daemon.Api;

/// <summary>/v1/domains/{name}/interfaces: domiflist, domifaddr, domif-setlink/getlink, domifstat.</summary>
public static class DomainInterfaceEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/domains/{name}/interfaces");
        g.MapGet("", (DomainService s, string name, bool? inactive) => s.InterfaceList(name, inactive == true));
        g.MapDelete("", async (DomainService s, string name, string? type, string? mac, bool? live, bool? config) =>
        {
            await s.DetachInterfaceAsync(name, type, mac, (live == true ? DeviceScope.Live : 0) | (config == true ? DeviceScope.Config : 0));
            return Results.NoContent();
        });
        g.MapGet("/addresses", (DomainService s, string name, string? source) => s.InterfaceAddressesAsync(name, source ?? "lease"));
        g.MapGet("/{iface}/link", (DomainService s, string name, string iface) => new LinkStateRequest { State = s.GetLink(name, iface) });
        g.MapPut("/{iface}/link", async (DomainService s, string name, string iface, LinkStateRequest body) =>
        {
            await s.SetLinkAsync(name, iface, body.State);
            return Results.NoContent();
        });
        g.MapGet("/{iface}/stats", (DomainService s, string name, string iface) => s.InterfaceStats(name, iface));
    }
}
