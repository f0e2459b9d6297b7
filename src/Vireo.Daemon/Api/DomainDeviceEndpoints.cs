using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Domain.Edits;
using Vireo.Daemon.Domains.Devices;
using Vireo.Daemon.Domains.Queries;

namespace Vireo.Daemon.Api;

/// <summary>/v1/domains/{name}/devices and /disks: attach, detach, update, and the block queries.</summary>
public static class DomainDeviceEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/domains/{name}");
        g.MapPost("/devices", async (HttpRequest req, DomainDevices s, string name, bool? live, bool? config) =>
        {
            await s.AttachDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        });
        g.MapPut("/devices", async (HttpRequest req, DomainDevices s, string name, bool? live, bool? config) =>
        {
            await s.UpdateDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        });
        g.MapPost("/devices/detach", async (HttpRequest req, DomainDevices s, string name, bool? live, bool? config) =>
        {
            await s.DetachDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        });
        g.MapGet("/disks", (DomainBlocks b, string name, bool? inactive) => b.List(name, inactive == true).Select(DomainMapping.Disk).ToList());
        g.MapDelete("/disks/{target}", async (DomainDevices s, string name, string target, bool? live, bool? config) =>
        {
            await s.DetachDiskAsync(name, Uri.UnescapeDataString(target), Scope(live, config));
            return Results.NoContent();
        });
        g.MapGet("/disks/{target}/info", async (DomainBlocks b, string name, string target) =>
            DomainMapping.Sizes(await b.InfoAsync(name, Uri.UnescapeDataString(target))));
        g.MapGet("/blockstats", async (DomainBlocks b, string name) => (await b.StatsAsync(name)).Select(DomainMapping.Stats).ToList());
        g.MapPost("/disks/{target}/resize", async (DomainBlocks b, string name, string target, BlockResizeRequest body) =>
        {
            await b.ResizeAsync(name, Uri.UnescapeDataString(target), body.Size);
            return Results.NoContent();
        });
    }

    internal static DeviceScope Scope(bool? live, bool? config) =>
        (live == true ? DeviceScope.Live : 0) | (config == true ? DeviceScope.Config : 0);
}
