using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Networks;

namespace Vireo.Daemon.Api;

/// <summary>/v1/networks: binds requests, calls <see cref="NetworkService"/>, and maps what it returns (<see cref="NetworkMapping"/>).</summary>
public static class NetworkEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/networks");
        g.MapGet("", (NetworkService s) => s.List().Select(NetworkMapping.Network).ToList());
        g.MapPost("", async (HttpRequest req, NetworkService s, bool? create, CancellationToken ct) =>
        {
            var xml = await Body.ReadXml(req, "network XML");
            return NetworkMapping.Network(create == true ? await s.CreateAsync(xml, ct) : await s.DefineAsync(xml, ct));
        });
        g.MapGet("/{name}", (HttpRequest req, NetworkService s, string name, bool? inactive) =>
            Body.WantsXml(req)
                ? Results.Text(s.GetDefinition(name, inactive == true).ToXml(), "application/xml")
                : Results.Json(NetworkMapping.Network(s.Get(name)), VireoJsonContext.Readable.NetworkSummary));
        g.MapDelete("/{name}", (NetworkService s, string name) =>
        {
            s.Undefine(name);
            return Results.NoContent();
        });
        g.MapPost("/{name}/{action}", (NetworkService s, string name, string action, CancellationToken ct) => NetworkMapping.NetworkAsync(action switch
        {
            "start" => s.StartAsync(name, ct),
            "destroy" => s.DestroyAsync(name, ct),
            _ => throw new VireoException(ErrorCode.InvalidArgument, $"unknown network action '{action}' (expected start or destroy)"),
        }));
        g.MapPut("/{name}/autostart", (NetworkService s, string name, AutostartRequest body) =>
        {
            s.SetAutostart(name, body.Enabled);
            return NetworkMapping.Network(s.Get(name));
        });
        g.MapGet("/{name}/leases", (NetworkService s, string name, string? mac) => s.Leases(name, mac).Select(NetworkMapping.Lease).ToList());
        g.MapPost("/{name}/update", async (NetworkService s, string name, NetworkUpdateRequest body, CancellationToken ct) =>
        {
            await s.UpdateAsync(name, NetworkMapping.Change(body), ct);
            return Results.NoContent();
        });
    }
}
