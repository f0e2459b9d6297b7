using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vireo.Contracts;
using Vireo.Daemon.Events;

namespace Vireo.Daemon.Api;

/// <summary>GET /v1/events: one JSON event per line for as long as the client stays connected.</summary>
public static class EventStream
{
    public static async Task HandleAsync(HttpContext ctx, EventBus bus, string? domain)
    {
        using var sub = bus.Subscribe();
        ctx.Response.ContentType = "application/x-ndjson";
        await ctx.Response.Body.FlushAsync();
        // A stream ends when vireod stops too: graceful shutdown waits for open requests.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted,
            ctx.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        try
        {
            await foreach (var ev in sub.Reader.ReadAllAsync(cts.Token))
            {
                if (domain is not null && ev.Domain != domain) continue;
                await JsonSerializer.SerializeAsync(ctx.Response.Body, ev, VireoJsonContext.Readable.DomainEvent, cts.Token);
                await ctx.Response.Body.WriteAsync("\n"u8.ToArray(), cts.Token);
                await ctx.Response.Body.FlushAsync(cts.Token);
            }
        }
        catch (OperationCanceledException) { }
    }
}
