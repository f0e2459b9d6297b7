using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Domains;

namespace Vireo.Daemon.Api;

/// <summary>/v1/domains/{name}/devices and /disks: attach, detach, update, and the block queries.</summary>
public static class DomainDeviceEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/domains/{name}");
        g.MapPost("/devices", async (HttpRequest req, DomainService s, string name, bool? live, bool? config) =>
        {
            await s.AttachDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        });
        g.MapPut("/devices", async (HttpRequest req, DomainService s, string name, bool? live, bool? config) =>
        {
            await s.UpdateDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        });
        g.MapPost("/devices/detach", async (HttpRequest req, DomainService s, string name, bool? live, bool? config) =>
        {
            await s.DetachDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        });
        g.MapGet("/disks", (DomainService s, string name, bool? inactive) => s.BlockList(name, inactive == true));
        g.MapDelete("/disks/{target}", async (DomainService s, string name, string target, bool? live, bool? config) =>
        {
            await s.DetachDiskAsync(name, Uri.UnescapeDataString(target), Scope(live, config));
            return Results.NoContent();
        });
        g.MapGet("/disks/{target}/info", (DomainService s, string name, string target) => s.BlockInfoAsync(name, Uri.UnescapeDataString(target)));
        g.MapGet("/blockstats", (DomainService s, string name) => s.BlockStatsAsync(name));
        g.MapPost("/disks/{target}/resize", async (DomainService s, string name, string target, BlockResizeRequest body) =>
        {
            await s.BlockResizeAsync(name, Uri.UnescapeDataString(target), body.Size);
            return Results.NoContent();
        });
    }

    private static DeviceScope Scope(bool? live, bool? config) =>
        (live == true ? DeviceScope.Live : 0) | (config == true ? DeviceScope.Config : 0);
}
