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
        var g = app.MapGroup("/v1/domains").WithTags("Domains").WithParameterWherePresent("name", DomainDeviceEndpoints.DomainName);
        g.MapGet("", (DomainRegistry r) => r.List().Select(DomainMapping.Summary).ToList())
            .WithName("ListDomains").WithSummary("List domains");
        g.MapPost("", async (HttpRequest req, DomainRegistry r, DomainRunner runner, bool? create, bool? paused) =>
        {
            var xml = await Body.ReadXml(req, "domain XML");
            return DomainMapping.Summary(create == true ? await runner.CreateAsync(xml, paused == true) : await r.DefineAsync(xml));
        })
        .WithName("DefineDomain").WithSummary("Define a domain from libvirt XML, or with create=true start a transient one")
        .WithBody("application/xml", "text/xml").WithParameter("paused", "with create=true: start it paused");
        g.MapGet("/{name}", (HttpRequest req, DomainRegistry r, DomainQueries q, string name, bool? inactive, bool? secure) =>
            Body.WantsXml(req) ? Results.Text(r.GetXml(name, inactive == true, secure == true), "application/xml")
                : Results.Json(DomainMapping.Info(q.Info(name)), VireoJsonContext.Readable.DomainInfo))
            .WithName("GetDomain").WithSummary("Domain information (JSON), or its XML with Accept: application/xml")
            .Produces<DomainInfo>().OrXml()
            .WithParameter("inactive", "the XML of the persistent definition, not of the running domain")
            .WithParameter("secure", "include security-sensitive data (graphics passwords), as virsh dumpxml --security-info");
        g.MapGet("/{name}/state", (DomainRegistry r, string name) => DomainMapping.Summary(r.Get(name)))
            .WithName("GetDomainState").WithSummary("State and reason");
        g.MapDelete("/{name}", async (DomainRegistry r, string name, bool? nvram, bool? keepNvram) =>
        {
            await r.UndefineAsync(name, nvram == true, keepNvram == true);
            return Results.NoContent();
        })
        .WithName("UndefineDomain").WithSummary("Undefine (a running domain becomes transient)").Produces(StatusCodes.Status204NoContent)
        .WithParameter("nvram", "also delete the UEFI variable store").WithParameter("keepNvram", "keep the UEFI variable store");
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
        })
        .WithName("DomainAction").WithSummary("Lifecycle action; answers the state after it")
        .WithParameter("action", "what to do", "start", "shutdown", "destroy", "reboot", "reset", "suspend", "resume")
        .WithParameter("paused", "start: leave the CPUs paused").WithParameter("graceful", "destroy: SIGTERM only; fail rather than SIGKILL a QEMU that does not exit")
        .WithParameter("console", "start: held paused until the console is attached, so no output is lost (vireo start --console)");
        g.MapPut("/{name}/autostart", (DomainRegistry r, string name, AutostartRequest body) =>
        {
            r.SetAutostart(name, body.Enabled);
            return DomainMapping.Summary(r.Get(name));
        })
        .WithName("SetDomainAutostart").WithSummary("Set autostart");
        g.MapGet("/{name}/vcpus", async (DomainQueries q, string name) => (await q.VcpusAsync(name)).Select(DomainMapping.Vcpu).ToList())
            .WithName("GetDomainVcpus").WithSummary("vCPUs and their host threads");
        g.MapPost("/{name}/agent", async (DomainAgent a, string name, AgentCommandRequest body) =>
            new AgentCommandResponse { Reply = await a.CommandAsync(name, body.Command, body.Timeout) })
            .WithName("AgentCommand").WithSummary("QEMU guest agent command (qemu-agent-command): the request as JSON text; the agent's whole reply");
        g.MapPost("/{name}/monitor", async (DomainQueries q, string name, MonitorCommandRequest body) =>
            new MonitorCommandResponse { Output = await q.MonitorCommandAsync(name, body.Command, body.Hmp) })
            .WithName("MonitorCommand").WithSummary("Raw QMP (JSON) or HMP command (qemu-monitor-command)");
        g.MapGet("/{name}/console", ConsoleBridge.HandleAsync)
            .WithName("DomainConsole").WithSummary("Serial console as a WebSocket (binary messages both ways); one session per domain")
            .WithDescription("Without a WebSocket upgrade the answer is the error that keeps the console from opening (not running, busy).")
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .WithParameter("force", "end a session already open instead of failing (virsh console --force)");
        app.MapGet("/v1/events", EventStream.HandleAsync)
            .WithTags("Domains").WithName("Events").WithSummary("Lifecycle events, one JSON object per line, until the client disconnects")
            .Produces<DomainEvent>(StatusCodes.Status200OK, "application/x-ndjson").WithParameter("domain", "only this domain's events");
        app.MapPost("/v1/domxml-to-native", async (HttpRequest req, DomainQueries q, string? format) =>
        {
            if (format is not (null or "qemu-argv"))
                throw new VireoException(ErrorCode.InvalidArgument, $"unsupported native format '{format}': only qemu-argv is supported");
            return Results.Text(q.NativeArgv(await Body.ReadXml(req, "domain XML")), "text/plain");
        })
        .WithTags("Domains").WithName("DomainXmlToNative").WithSummary("The QEMU command line for a domain XML, as one shell-quoted line")
        .WithBody("application/xml", "text/xml").Produces<string>(StatusCodes.Status200OK, "text/plain")
        .WithParameter("format", "the native format", "qemu-argv");
    }
}
