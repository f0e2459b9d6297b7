using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vireo.Contracts;

namespace Vireo.Daemon.Api;

/// <summary>
/// Every error leaves as the API's one JSON shape with its status: exceptions of any kind (through
/// <see cref="ApiErrorReporter"/>), and the bodiless 404, 405 and 415 that routing and binding set.
/// </summary>
public sealed class ErrorMiddleware(RequestDelegate next, ApiErrorReporter reporter)
{
    public async Task InvokeAsync(HttpContext ctx)
    {
        try
        {
            await next(ctx);
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody is left to answer.
            return;
        }
        catch (Exception e)
        {
            var error = reporter.Report(e, ctx);
            // Part of a success is already on its way: breaking the connection is the only honest end.
            if (ctx.Response.HasStarted) ctx.Abort();
            else await Write(ctx, error);
            return;
        }
        if (ctx.Response is { HasStarted: false, StatusCode: >= 400, ContentLength: null or 0 })
            await Write(ctx, ApiError.ForStatus(ctx));
    }

    public static async Task Write(HttpContext ctx, ApiError error)
    {
        ctx.Response.Clear();
        ctx.Response.StatusCode = error.Status;
        ctx.Response.ContentType = "application/json";
        if (error.Status == 401) ctx.Response.Headers.WWWAuthenticate = "Bearer";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, error.Body, VireoJsonContext.Readable.ErrorResponse);
    }
}
