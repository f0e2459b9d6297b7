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
        var g = app.MapGroup("/v1/networks").WithTags("Networks").WithParameterWherePresent("name", "network name or UUID");
        g.MapGet("", (NetworkService s) => s.List().Select(NetworkMapping.Network).ToList())
            .WithName("ListNetworks").WithSummary("List networks");
        g.MapPost("", async (HttpRequest req, NetworkService s, bool? create, CancellationToken ct) =>
        {
            var xml = await Body.ReadXml(req, "network XML");
            return NetworkMapping.Network(create == true ? await s.CreateAsync(xml, ct) : await s.DefineAsync(xml, ct));
        })
        .WithName("DefineNetwork").WithSummary("Define a network from libvirt XML, or with create=true create and start a transient one")
        .WithBody("application/xml", "text/xml");
        g.MapGet("/{name}", (HttpRequest req, NetworkService s, string name, bool? inactive) =>
            Body.WantsXml(req)
                ? Results.Text(s.GetDefinition(name, inactive == true).ToXml(), "application/xml")
                : Results.Json(NetworkMapping.Network(s.Get(name)), VireoJsonContext.Readable.NetworkSummary))
            .WithName("GetNetwork").WithSummary("Network information (JSON), or its XML with Accept: application/xml")
            .Produces<NetworkSummary>().OrXml()
            .WithParameter("inactive", "the XML of the persistent definition, not of the running network");
        g.MapDelete("/{name}", (NetworkService s, string name) =>
        {
            s.Undefine(name);
            return Results.NoContent();
        })
        .WithName("UndefineNetwork").WithSummary("Undefine a network").Produces(StatusCodes.Status204NoContent);
        g.MapPost("/{name}/{action}", (NetworkService s, string name, string action, CancellationToken ct) => NetworkMapping.NetworkAsync(action switch
        {
            "start" => s.StartAsync(name, ct),
            "destroy" => s.DestroyAsync(name, ct),
            _ => throw new VireoException(ErrorCode.InvalidArgument, $"unknown network action '{action}' (expected start or destroy)"),
        }))
        .WithName("NetworkAction").WithSummary("Start or destroy; answers the network after it").WithParameter("action", "what to do", "start", "destroy");
        g.MapPut("/{name}/autostart", (NetworkService s, string name, AutostartRequest body) =>
        {
            s.SetAutostart(name, body.Enabled);
            return NetworkMapping.Network(s.Get(name));
        })
        .WithName("SetNetworkAutostart").WithSummary("Set autostart");
        g.MapGet("/{name}/leases", (NetworkService s, string name, string? mac) => s.Leases(name, mac).Select(NetworkMapping.Lease).ToList())
            .WithName("GetNetworkLeases").WithSummary("DHCP leases (net-dhcp-leases)").WithParameter("mac", "only this MAC address's");
        g.MapPost("/{name}/update", async (NetworkService s, string name, NetworkUpdateRequest body, CancellationToken ct) =>
        {
            await s.UpdateAsync(name, NetworkMapping.Change(body), ct);
            return Results.NoContent();
        })
        .WithName("UpdateNetwork").WithSummary("Change one section of a network (net-update)").Produces(StatusCodes.Status204NoContent);
    }
}
