using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Api;

/// <summary>
/// Turns any exception into the <see cref="ApiError"/> a client gets. An unexpected one (a bug) becomes
/// InternalError with a short id, and the same id is logged with the stack trace, so a user's report
/// can be found in vireod's log.
/// </summary>
public sealed partial class ApiErrorReporter(ILogger<ApiErrorReporter> logger)
{
    public ApiError Report(Exception e, HttpContext ctx)
    {
        if (ApiError.From(e, ctx) is { } known)
        {
            if (known.Status >= 500) LogFailed(logger, ctx.Request.Method, ctx.Request.Path, known.Code, known.Message);
            return known;
        }
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        LogInternal(logger, e, id, ctx.Request.Method, ctx.Request.Path);
        return new ApiError(500, nameof(ErrorCode.InternalError),
            $"internal error in vireod ({e.GetType().Name}: {e.Message}); vireod's log has the details under error id {id}", [$"id: {id}"]);
    }

    [LoggerMessage(100, LogLevel.Error, "Internal error {Id} answering {Method} {Path}")]
    private static partial void LogInternal(ILogger logger, Exception e, string id, string method, string path);

    [LoggerMessage(101, LogLevel.Warning, "{Method} {Path} failed: {Code}: {Message}")]
    private static partial void LogFailed(ILogger logger, string method, string path, string code, string message);
}
