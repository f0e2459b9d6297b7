using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Daemon.Install;

namespace Vireo.Daemon.Api;

/// <summary>/v1/install (vireo install) and /v1/osinfo (the OS names it knows).</summary>
public static class InstallEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/install", (InstallService s, InstallRequest body, CancellationToken ct) => s.InstallAsync(body, ct));
        app.MapGet("/v1/osinfo", (InstallService s) =>
            (s.Db()?.All ?? []).SelectMany(o => o.ShortIds.Take(1).Select(id => new OsVariantInfo { ShortId = id, Name = o.Name, Eol = o.Eol?.ToString("yyyy-MM-dd") }))
                .OrderBy(o => o.ShortId, StringComparer.Ordinal).ToList());
    }
}
