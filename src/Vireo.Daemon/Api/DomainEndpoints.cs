using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Domains.Queries;
using Vireo.Daemon.Domains.Runner;

namespace Vireo.Daemon.Api;

/// <summary>/v1/domains: binds and validates requests, then calls the domain services.</summary>
public static class DomainEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/domains");
        g.MapGet("", (DomainRegistry r) => r.List().Select(DomainMapping.Summary).ToList());
        g.MapPost("", async (HttpRequest req, DomainRegistry r, DomainRunner runner, bool? create, bool? paused) =>
        {
            var xml = await Body.ReadXml(req, "domain XML");
            return DomainMapping.Summary(create == true ? await runner.CreateAsync(xml, paused == true) : await r.DefineAsync(xml));
        });
        g.MapGet("/{name}", (HttpRequest req, DomainRegistry r, DomainQueries q, string name, bool? inactive, bool? secure) =>
            Body.WantsXml(req) ? Results.Text(r.GetXml(name, inactive == true, secure == true), "application/xml")
                : Results.Json(DomainMapping.Info(q.Info(name)), VireoJsonContext.Readable.DomainInfo));
        g.MapGet("/{name}/state", (DomainRegistry r, string name) => DomainMapping.Summary(r.Get(name)));
        g.MapDelete("/{name}", async (DomainRegistry r, string name, bool? nvram, bool? keepNvram) =>
        {
            await r.UndefineAsync(name, nvram == true, keepNvram == true);
            return Results.NoContent();
        });
        g.MapPost("/{name}/{action}", async (DomainRegistry r, DomainRunner s, DomainPower p, string name, string action, bool? paused, bool? graceful, bool? console) =>
        {
            var before = r.Get(name);
            Task op = action switch
            {
                "start" => s.StartAsync(name, paused == true, holdForConsole: console == true),
                "shutdown" => p.ShutdownAsync(name),
                "destroy" => p.DestroyAsync(name, graceful == true),
                "reboot" => p.RebootAsync(name),
                "reset" => p.ResetAsync(name),
                "suspend" => p.SuspendAsync(name),
                "resume" => p.ResumeAsync(name),
                _ => throw new VireoException(ErrorCode.InvalidArgument,
                    $"unknown domain action '{action}' (expected start, shutdown, destroy, reboot, reset, suspend or resume)"),
            };
            await op;
            // A transient domain is gone once it stops; report its final state.
            return DomainMapping.Summary(r.TryGet(before.Name) ?? before with { Id = null, State = DomainState.ShutOff, Reason = "destroyed" });
        });
        g.MapPut("/{name}/autostart", (DomainRegistry r, string name, AutostartRequest body) =>
        {
            r.SetAutostart(name, body.Enabled);
            return DomainMapping.Summary(r.Get(name));
        });
        g.MapGet("/{name}/vcpus", async (DomainQueries q, string name) => (await q.VcpusAsync(name)).Select(DomainMapping.Vcpu).ToList());
        g.MapPost("/{name}/agent", async (DomainAgent a, string name, AgentCommandRequest body) =>
            new AgentCommandResponse { Reply = await a.CommandAsync(name, body.Command, body.Timeout) });
        g.MapPost("/{name}/monitor", async (DomainQueries q, string name, MonitorCommandRequest body) =>
            new MonitorCommandResponse { Output = await q.MonitorCommandAsync(name, body.Command, body.Hmp) });
        g.MapGet("/{name}/console", ConsoleBridge.HandleAsync);
        app.MapGet("/v1/events", EventStream.HandleAsync);
        app.MapPost("/v1/domxml-to-native", async (HttpRequest req, DomainQueries q, string? format) =>
        {
            if (format is not (null or "qemu-argv"))
                throw new VireoException(ErrorCode.InvalidArgument, $"unsupported native format '{format}': only qemu-argv is supported");
            return Results.Text(q.NativeArgv(await Body.ReadXml(req, "domain XML")), "text/plain");
        });
    }
}
