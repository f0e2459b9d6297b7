using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Networks;

namespace Vireo.Daemon.Api;

/// <summary>/v1/networks: binds requests, then calls <see cref="NetworkService"/>.</summary>
public static class NetworkEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/networks");
        g.MapGet("", (NetworkService s) => s.List());
        g.MapPost("", async (HttpRequest req, NetworkService s, bool? create, CancellationToken ct) =>
        {
            var xml = await Body.ReadXml(req, "network XML");
            return create == true ? await s.CreateAsync(xml, ct) : await s.DefineAsync(xml, ct);
        });
        g.MapGet("/{name}", (HttpRequest req, NetworkService s, string name, bool? inactive) =>
            Body.WantsXml(req) ? Results.Text(s.GetXml(name, inactive == true), "application/xml") : Results.Json(s.Get(name), VireoJsonContext.Readable.NetworkSummary));
        g.MapDelete("/{name}", (NetworkService s, string name) =>
        {
            s.Undefine(name);
            return Results.NoContent();
        });
        g.MapPost("/{name}/{action}", (NetworkService s, string name, string action, CancellationToken ct) => action switch
        {
            "start" => s.StartAsync(name, ct),
            "destroy" => s.DestroyAsync(name, ct),
            _ => throw new VireoException(ErrorCode.InvalidArgument, $"unknown network action '{action}' (expected start or destroy)"),
        });
        g.MapPut("/{name}/autostart", (NetworkService s, string name, AutostartRequest body) =>
        {
            s.SetAutostart(name, body.Enabled);
            return s.Get(name);
        });
        g.MapGet("/{name}/leases", (NetworkService s, string name, string? mac) => s.Leases(name, mac));
        g.MapPost("/{name}/update", async (NetworkService s, string name, NetworkUpdateRequest body, CancellationToken ct) =>
        {
            await s.UpdateAsync(name, body, ct);
            return Results.NoContent();
        });
    }
}
