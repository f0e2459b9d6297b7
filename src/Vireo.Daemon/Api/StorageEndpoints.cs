using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Storage;
using Vireo.Storage;

namespace Vireo.Daemon.Api;

/// <summary>/v1/storage/pools and their volumes: binds requests, then calls <see cref="StorageService"/>.</summary>
public static class StorageEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/storage/pools");
        g.MapGet("", (StorageService s) => s.List());
        g.MapPost("", async (HttpRequest req, StorageService s, bool? create, string? build, CancellationToken ct) =>
        {
            var xml = await Body.ReadXml(req, "storage pool XML");
            return create == true ? await s.CreateAsync(xml, build is null ? null : Mode(build), ct) : s.Define(xml);
        });
        g.MapGet("/{pool}", (HttpRequest req, StorageService s, string pool, bool? inactive) =>
            Body.WantsXml(req) ? Results.Text(s.GetXml(pool, inactive == true), "application/xml") : Results.Json(s.Get(pool), VireoJsonContext.Readable.PoolSummary));
        g.MapDelete("/{pool}", async (StorageService s, string pool) =>
        {
            await s.UndefineAsync(pool);
            return Results.NoContent();
        });
        g.MapPost("/{pool}/{action}", (StorageService s, string pool, string action, string? mode, CancellationToken ct) => action switch
        {
            "start" => s.StartAsync(pool, ct),
            "destroy" => s.DestroyAsync(pool, ct),
            "build" => s.BuildAsync(pool, Mode(mode), ct),
            "delete" => s.DeleteAsync(pool, ct),
            "refresh" => s.RefreshAsync(pool, ct),
            _ => throw new VireoException(ErrorCode.InvalidArgument, $"unknown pool action '{action}' (expected start, destroy, build, delete or refresh)"),
        });
        g.MapPut("/{pool}/autostart", (StorageService s, string pool, AutostartRequest body) =>
        {
            s.SetAutostart(pool, body.Enabled);
            return s.Get(pool);
        });
        g.MapGet("/{pool}/volumes", (StorageService s, string pool) => s.ListVolumes(pool));
        g.MapPost("/{pool}/volumes", async (HttpRequest req, StorageService s, string pool, string? fromPool, string? fromVolume, bool? preallocMetadata, CancellationToken ct) =>
            await s.CreateVolumeAsync(pool, await Body.ReadXml(req, "storage volume XML"), fromPool, fromVolume, preallocMetadata == true, ct));
        g.MapGet("/{pool}/volumes/{volume}", (HttpRequest req, StorageService s, string pool, string volume) =>
            Body.WantsXml(req) ? Results.Text(s.VolumeXml(P(pool), V(volume)), "application/xml") : Results.Json(s.GetVolume(P(pool), V(volume)), VireoJsonContext.Readable.VolumeSummary));
        g.MapDelete("/{pool}/volumes/{volume}", async (StorageService s, string pool, string volume, CancellationToken ct) =>
        {
            await s.DeleteVolumeAsync(P(pool), V(volume), ct);
            return Results.NoContent();
        });
        g.MapPost("/{pool}/volumes/{volume}/wipe", (StorageService s, string pool, string volume, CancellationToken ct) => s.WipeVolumeAsync(P(pool), V(volume), ct));
        g.MapPost("/{pool}/volumes/{volume}/resize", (StorageService s, string pool, string volume, VolumeResizeRequest body, CancellationToken ct) =>
            s.ResizeVolumeAsync(P(pool), V(volume), body, ct));
        g.MapPut("/{pool}/volumes/{volume}/data", async (HttpContext ctx, StorageService s, string pool, string volume, long? offset, long? length, CancellationToken ct) =>
        {
            // Volumes are large: the daemon-wide body limit does not apply to uploads.
            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
            return await s.UploadAsync(P(pool), V(volume), ctx.Request.Body, offset ?? 0, length, ct);
        });
        g.MapGet("/{pool}/volumes/{volume}/data", async (HttpContext ctx, StorageService s, string pool, string volume, long? offset, long? length, CancellationToken ct) =>
        {
            var (stream, count) = s.OpenDownload(P(pool), V(volume), offset ?? 0, length);
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
        });
        app.MapGet("/v1/storage/capabilities", (StorageService s) => s.Capabilities().ToList());
        app.MapGet("/v1/storage/sources", async (StorageService s, string type, string? host, int? port, string? initiator, CancellationToken ct) =>
            Results.Text(await s.FindSourcesAsync(type, host, port, initiator, ct), "application/xml"));
    }

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
