using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains;

namespace Vireo.Daemon.Api;

/// <summary>/v1/domains: binds and validates requests, then calls <see cref="DomainService"/>.</summary>
public static class DomainEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/domains");
        g.MapGet("", (DomainService s) => s.List());
        g.MapPost("", async (HttpRequest req, DomainService s, bool? create, bool? paused) =>
        {
            var xml = await Body.ReadXml(req, "domain XML");
            return create == true ? await s.CreateAsync(xml, paused == true) : await s.DefineAsync(xml);
        });
        g.MapGet("/{name}", (HttpRequest req, DomainService s, string name, bool? inactive, bool? secure) =>
            Body.WantsXml(req) ? Results.Text(s.GetXml(name, inactive == true, secure == true), "application/xml") : Results.Json(s.Info(name), VireoJsonContext.Readable.DomainInfo));
        g.MapGet("/{name}/state", (DomainService s, string name) => s.Get(name));
        g.MapDelete("/{name}", async (DomainService s, string name, bool? nvram, bool? keepNvram) =>
        {
            await s.UndefineAsync(name, nvram == true, keepNvram == true);
            return Results.NoContent();
        });
        g.MapPost("/{name}/{action}", async (DomainService s, string name, string action, bool? paused, bool? graceful, bool? console) =>
        {
            var before = s.Get(name);
            Task op = action switch
            {
                "start" => s.StartAsync(name, paused == true, holdForConsole: console == true),
                "shutdown" => s.ShutdownAsync(name),
                "destroy" => s.DestroyAsync(name, graceful == true),
                "reboot" => s.RebootAsync(name),
                "reset" => s.ResetAsync(name),
                "suspend" => s.SuspendAsync(name),
                "resume" => s.ResumeAsync(name),
                _ => throw new VireoException(ErrorCode.InvalidArgument,
                    $"unknown domain action '{action}' (expected start, shutdown, destroy, reboot, reset, suspend or resume)"),
            };
            await op;
            // A transient domain is gone once it stops; report its final state.
            return s.TryGet(before.Name) ?? before with { Id = null, State = "shut off", Reason = "destroyed" };
        });
        g.MapPut("/{name}/autostart", (DomainService s, string name, AutostartRequest body) =>
        {
            s.SetAutostart(name, body.Enabled);
            return s.Get(name);
        });
        g.MapGet("/{name}/vcpus", (DomainService s, string name) => s.VcpusAsync(name));
        g.MapPost("/{name}/agent", async (DomainService s, string name, AgentCommandRequest body) =>
            new AgentCommandResponse { Reply = await s.AgentCommandAsync(name, body.Command, body.Timeout) });
        g.MapPost("/{name}/monitor", async (DomainService s, string name, MonitorCommandRequest body) =>
            new MonitorCommandResponse { Output = await s.MonitorCommandAsync(name, body.Command, body.Hmp) });
        g.MapGet("/{name}/console", ConsoleBridge.HandleAsync);
        app.MapGet("/v1/events", EventStream.HandleAsync);
        app.MapPost("/v1/domxml-to-native", async (HttpRequest req, DomainService s, string? format) =>
        {
            if (format is not (null or "qemu-argv"))
                throw new VireoException(ErrorCode.InvalidArgument, $"unsupported native format '{format}': only qemu-argv is supported");
            return Results.Text(s.NativeArgv(await Body.ReadXml(req, "domain XML")), "text/plain");
        });
    }
}
