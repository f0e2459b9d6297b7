using System.Text.Json;
using Microsoft.AspNetCore.Http;
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
        try
        {
            await foreach (var ev in sub.Reader.ReadAllAsync(ctx.RequestAborted))
            {
                if (domain is not null && ev.Domain != domain) continue;
                await JsonSerializer.SerializeAsync(ctx.Response.Body, ev, VireoJsonContext.Readable.DomainEvent, ctx.RequestAborted);
                await ctx.Response.Body.WriteAsync("\n"u8.ToArray(), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException) { }
    }
}
