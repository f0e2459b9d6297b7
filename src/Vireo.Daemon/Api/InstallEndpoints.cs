using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Install;

namespace Vireo.Daemon.Api;

/// <summary>/v1/install (vireo install) and /v1/osinfo (the OS names it knows).</summary>
public static class InstallEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/install", (InstallService s, InstallRequest body, CancellationToken ct) => s.InstallAsync(body, ct))
            .WithTags("Install").WithName("Install")
            .WithSummary("vireo install (virt-install): resolve the OS, read the media, create disks, define and boot; dryRun creates nothing");
        // The same, as a stream of progress lines ending with the result or the error (what the CLI shows as it goes).
        app.MapPost("/v1/install/stream", async (HttpContext http, InstallService s, ApiErrorReporter errors, InstallRequest body, CancellationToken ct) =>
        {
            http.Response.ContentType = "application/x-ndjson";
            async Task Line(InstallProgressLine line)
            {
                await http.Response.WriteAsync(JsonSerializer.Serialize(line, VireoJsonContext.Readable.InstallProgressLine) + "\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
            try
            {
                var result = await s.InstallAsync(body, ct, p => Line(new InstallProgressLine { Progress = p }));
                await Line(new InstallProgressLine { Result = result });
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // The 200 and the first lines are sent: the error, whatever it is, travels as the last line.
                await Line(new InstallProgressLine { Error = errors.Report(e, http).Body });
            }
        })
        .WithTags("Install").WithName("InstallWithProgress")
        .WithSummary("vireo install with progress: one JSON object per line, {progress} lines, then {result} or {error}")
        .Produces<InstallProgressLine>(StatusCodes.Status200OK, "application/x-ndjson");
        app.MapGet("/v1/osinfo", (InstallService s) =>
            (s.Db()?.All ?? []).SelectMany(o => o.ShortIds.Take(1).Select(id => new OsVariantInfo { ShortId = id, Name = o.Name, Eol = o.Eol?.ToString("yyyy-MM-dd") }))
                .OrderBy(o => o.ShortId, StringComparer.Ordinal).ToList())
            .WithTags("Install").WithName("ListOsVariants").WithSummary("The OS short ids of osinfo-db (vireo install --osinfo list)");
    }
}
