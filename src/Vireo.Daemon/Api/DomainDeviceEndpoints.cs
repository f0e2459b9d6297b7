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
        var g = app.MapGroup("/v1/domains/{name}").WithTags("Domain devices").WithParameter("name", DomainName);
        g.MapPost("/devices", async (HttpRequest req, DomainDevices s, string name, bool? live, bool? config) =>
        {
            await s.AttachDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        })
        .WithName("AttachDevice").WithSummary("Attach the device of the XML body (attach-device)").Scoped();
        g.MapPut("/devices", async (HttpRequest req, DomainDevices s, string name, bool? live, bool? config) =>
        {
            await s.UpdateDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        })
        .WithName("UpdateDevice").WithSummary("Update a disk of the XML body: change or eject a cdrom/floppy medium (update-device)").Scoped();
        g.MapPost("/devices/detach", async (HttpRequest req, DomainDevices s, string name, bool? live, bool? config) =>
        {
            await s.DetachDeviceAsync(name, await Body.ReadXml(req, "device XML"), Scope(live, config));
            return Results.NoContent();
        })
        .WithName("DetachDevice").WithSummary("Detach the device the XML body names (detach-device)").Scoped();
        g.MapGet("/disks", (DomainBlocks b, string name, bool? inactive) => b.List(name, inactive == true).Select(DomainMapping.Disk).ToList())
            .WithName("ListDomainDisks").WithSummary("The domain's disks (domblklist)").WithParameter("inactive", "of the persistent definition");
        g.MapDelete("/disks/{target}", async (DomainDevices s, string name, string target, bool? live, bool? config) =>
        {
            await s.DetachDiskAsync(name, Uri.UnescapeDataString(target), Scope(live, config));
            return Results.NoContent();
        })
        .WithName("DetachDisk").WithSummary("Detach a disk (detach-disk)").WithParameter("target", DiskTarget)
        .WithParameter("live", Live).WithParameter("config", Config).Produces(StatusCodes.Status204NoContent);
        g.MapGet("/disks/{target}/info", async (DomainBlocks b, string name, string target) =>
            DomainMapping.Sizes(await b.InfoAsync(name, Uri.UnescapeDataString(target))))
            .WithName("GetDiskInfo").WithSummary("Capacity, allocation and physical size (domblkinfo)").WithParameter("target", DiskTarget);
        g.MapGet("/blockstats", async (DomainBlocks b, string name) => (await b.StatsAsync(name)).Select(DomainMapping.Stats).ToList())
            .WithName("GetBlockStats").WithSummary("Per-disk I/O counters (domblkstat)");
        g.MapPost("/disks/{target}/resize", async (DomainBlocks b, string name, string target, BlockResizeRequest body) =>
        {
            await b.ResizeAsync(name, Uri.UnescapeDataString(target), body.Size);
            return Results.NoContent();
        })
        .WithName("ResizeDisk").WithSummary("Resize a running domain's disk to size bytes (blockresize)").WithParameter("target", DiskTarget)
        .Produces(StatusCodes.Status204NoContent);
    }

    internal const string DomainName = "domain name, id or UUID";
    internal const string Live = "change the running domain";
    internal const string Config = "change the persistent definition (neither: the running domain if it runs, else the definition)";
    private const string DiskTarget = "the disk's target (vda) or source path, percent-encoded";

    /// <summary>A device XML body, the live/config scope and an empty answer.</summary>
    private static RouteHandlerBuilder Scoped(this RouteHandlerBuilder b) => b
        .WithBody("application/xml", "text/xml").Produces(StatusCodes.Status204NoContent)
        .WithParameter("live", Live).WithParameter("config", Config);

    internal static DeviceScope Scope(bool? live, bool? config) =>
        (live == true ? DeviceScope.Live : 0) | (config == true ? DeviceScope.Config : 0);
}
