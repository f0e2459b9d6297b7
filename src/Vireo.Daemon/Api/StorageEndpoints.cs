using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Storage;
using Vireo.Storage;

namespace Vireo.Daemon.Api;

/// <summary>/v1/storage/pools and their volumes: binds requests, calls the storage services, and maps what they return (<see cref="StorageMapping"/>).</summary>
public static class StorageEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/storage/pools").WithTags("Storage")
            .WithParameterWherePresent("pool", "pool name or UUID").WithParameterWherePresent("volume", Volume);
        g.MapGet("", (PoolRegistry pools) => pools.List().Select(StorageMapping.Pool).ToList())
            .WithName("ListPools").WithSummary("List storage pools");
        g.MapPost("", async (HttpRequest req, PoolRegistry pools, PoolLifecycle lifecycle, bool? create, string? build, CancellationToken ct) =>
        {
            var xml = await Body.ReadXml(req, "storage pool XML");
            return StorageMapping.Pool(create == true ? await lifecycle.CreateAsync(xml, build is null ? null : Mode(build), ct) : pools.Define(xml));
        })
        .WithName("DefinePool").WithSummary("Define a pool from libvirt XML, or with create=true create and start a transient one")
        .WithBody("application/xml", "text/xml").WithParameter("build", "with create=true: build it first (empty: the default way)", "", "overwrite", "no-overwrite");
        g.MapGet("/{pool}", (HttpRequest req, PoolRegistry pools, string pool, bool? inactive) =>
            Body.WantsXml(req)
                ? Results.Text(pools.GetXml(pool, inactive == true), "application/xml")
                : Results.Json(StorageMapping.Pool(pools.Get(pool)), VireoJsonContext.Readable.PoolSummary))
            .WithName("GetPool").WithSummary("Pool information (JSON), or its XML with Accept: application/xml")
            .Produces<PoolSummary>().OrXml()
            .WithParameter("inactive", "the XML of the persistent definition, not of the running pool");
        g.MapDelete("/{pool}", async (PoolRegistry pools, string pool) =>
        {
            await pools.UndefineAsync(pool);
            return Results.NoContent();
        })
        .WithName("UndefinePool").WithSummary("Undefine an inactive pool").Produces(StatusCodes.Status204NoContent);
        g.MapPost("/{pool}/{action}", (PoolLifecycle lifecycle, string pool, string action, string? mode, CancellationToken ct) => StorageMapping.PoolAsync(action switch
        {
            "start" => lifecycle.StartAsync(pool, ct),
            "destroy" => lifecycle.DestroyAsync(pool, ct),
            "build" => lifecycle.BuildAsync(pool, Mode(mode), ct),
            "delete" => lifecycle.DeleteAsync(pool, ct),
            "refresh" => lifecycle.RefreshAsync(pool, ct),
            _ => throw new VireoException(ErrorCode.InvalidArgument, $"unknown pool action '{action}' (expected start, destroy, build, delete or refresh)"),
        }))
        .WithName("PoolAction").WithSummary("Pool lifecycle action; answers the pool after it")
        .WithParameter("action", "what to do", "start", "destroy", "build", "delete", "refresh")
        .WithParameter("mode", "build: overwrite what is there, or refuse to (default: the backend's way)", "overwrite", "no-overwrite");
        g.MapPut("/{pool}/autostart", (PoolRegistry pools, string pool, AutostartRequest body) =>
        {
            pools.SetAutostart(pool, body.Enabled);
            return StorageMapping.Pool(pools.Get(pool));
        })
        .WithName("SetPoolAutostart").WithSummary("Set pool autostart");
        g.MapGet("/{pool}/volumes", (PoolVolumes volumes, string pool) => volumes.List(pool).Select(StorageMapping.Volume).ToList())
            .WithName("ListVolumes").WithSummary("List a pool's volumes");
        g.MapPost("/{pool}/volumes", async (HttpRequest req, VolumeOperations ops, string pool, string? fromPool, string? fromVolume, bool? preallocMetadata, CancellationToken ct) =>
            await StorageMapping.VolumeAsync(ops.CreateAsync(pool, await Body.ReadXml(req, "storage volume XML"), fromPool, fromVolume, preallocMetadata == true, ct)))
            .WithName("CreateVolume").WithSummary("Create a volume from libvirt XML (vol-create), or a clone of another (vol-create-from)")
            .WithBody("application/xml", "text/xml").WithParameter("fromVolume", "clone this volume (name, key or path)")
            .WithParameter("fromPool", "the pool of fromVolume (default: this pool)").WithParameter("preallocMetadata", "preallocate qcow2 metadata");
        g.MapGet("/{pool}/volumes/{volume}", (HttpRequest req, PoolVolumes volumes, string pool, string volume) =>
            Body.WantsXml(req)
                ? Results.Text(volumes.GetXml(P(pool), V(volume)), "application/xml")
                : Results.Json(StorageMapping.Volume(volumes.Get(P(pool), V(volume))), VireoJsonContext.Readable.VolumeSummary))
            .WithName("GetVolume").WithSummary("Volume information (JSON), or its XML with Accept: application/xml")
            .Produces<VolumeSummary>().OrXml();
        g.MapDelete("/{pool}/volumes/{volume}", async (VolumeOperations ops, string pool, string volume, CancellationToken ct) =>
        {
            await ops.DeleteAsync(P(pool), V(volume), ct);
            return Results.NoContent();
        })
        .WithName("DeleteVolume").WithSummary("Delete a volume (refused while a running domain uses it)").Produces(StatusCodes.Status204NoContent);
        g.MapPost("/{pool}/volumes/{volume}/wipe", (VolumeOperations ops, string pool, string volume, CancellationToken ct) =>
            StorageMapping.VolumeAsync(ops.WipeAsync(P(pool), V(volume), ct)))
            .WithName("WipeVolume").WithSummary("Overwrite a volume with zeros (vol-wipe)");
        g.MapPost("/{pool}/volumes/{volume}/resize", (VolumeOperations ops, string pool, string volume, VolumeResizeRequest body, CancellationToken ct) =>
            StorageMapping.VolumeAsync(ops.ResizeAsync(P(pool), V(volume), StorageMapping.Resize(body), ct)))
            .WithName("ResizeVolume").WithSummary("Resize a volume (vol-resize)");
        g.MapPut("/{pool}/volumes/{volume}/data", async (HttpContext ctx, VolumeTransfers transfers, string pool, string volume, long? offset, long? length, CancellationToken ct) =>
        {
            // Volumes are large: the daemon-wide body limit does not apply to uploads.
            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
            return await StorageMapping.VolumeAsync(transfers.UploadAsync(P(pool), V(volume), ctx.Request.Body, offset ?? 0, length, ct));
        })
        .WithName("UploadVolume").WithSummary("Write the body's bytes into the volume (vol-upload); no size limit")
        .WithBody("application/octet-stream").WithParameter("offset", Offset).WithParameter("length", Length);
        g.MapGet("/{pool}/volumes/{volume}/data", async (HttpContext ctx, VolumeTransfers transfers, string pool, string volume, long? offset, long? length, CancellationToken ct) =>
        {
            var (stream, count) = transfers.OpenDownload(P(pool), V(volume), offset ?? 0, length);
            await using (stream)
            {
                ctx.Response.ContentType = "application/octet-stream";
                ctx.Response.ContentLength = count;
                var buf = new byte[1 << 20];
                for (var left = count; left > 0;)
                {
                    var n = await stream.ReadAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, left)), ct);
                    if (n == 0) break;
                    await ctx.Response.Body.WriteAsync(buf.AsMemory(0, n), ct);
                    left -= n;
                }
            }
        })
        .WithName("DownloadVolume").WithSummary("The volume's bytes (vol-download)")
        .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream").WithParameter("offset", Offset).WithParameter("length", Length);
        app.MapGet("/v1/storage/capabilities", (PoolSources sources) => sources.Types().ToList())
            .WithTags("Storage").WithName("ListPoolTypes").WithSummary("The pool types this build implements");
        app.MapGet("/v1/storage/sources", async (PoolSources sources, string type, string? host, int? port, string? initiator, CancellationToken ct) =>
            Results.Text(await sources.FindAsync(type, host, port, initiator, ct), "application/xml"))
            .WithTags("Storage").WithName("FindPoolSources").WithSummary("libvirt's <sources> XML of the pools a host offers (find-storage-pool-sources)")
            .Produces<string>(StatusCodes.Status200OK, "application/xml").WithParameter("type", "the pool type to look for (iscsi, iscsi-direct, logical, ...)")
            .WithParameter("host", "the storage server").WithParameter("initiator", "iSCSI: the initiator IQN");
    }

    private const string Volume = "volume name; with pool '-', its key or path in any pool (percent-encoded)";
    private const string Offset = "first byte (default 0)";
    private const string Length = "number of bytes (default: to the end)";

    /// <summary>"-" in the pool slot means "find the volume by key or path in any pool".</summary>
    private static string? P(string pool) => pool == "-" ? null : pool;

    /// <summary>A volume key is often a path: Kestrel leaves an encoded '/' (%2F) in a route value, so it is decoded here.</summary>
    private static string V(string volume) => Uri.UnescapeDataString(volume);

    private static BuildMode Mode(string? mode) => mode switch
    {
        null or "" => BuildMode.Default,
        "overwrite" => BuildMode.Overwrite,
        "no-overwrite" => BuildMode.NoOverwrite,
        _ => throw new VireoException(ErrorCode.InvalidArgument, $"unknown build mode '{mode}' (overwrite or no-overwrite)"),
    };
}
