using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host.Processes;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Api;

/// <summary>An error as the API answers it: HTTP status and the body <c>{"code","message","details"}</c>.</summary>
public sealed record ApiError(int Status, string Code, string Message, IReadOnlyList<string> Details)
{
    public ErrorResponse Body => new() { Code = Code, Message = Message, Details = Details };

    /// <summary>
    /// What a known kind of exception means to the caller; null for anything unexpected (a bug), which
    /// <see cref="ApiErrorReporter"/> answers as InternalError with an id it logs.
    /// </summary>
    public static ApiError? From(Exception e, HttpContext ctx) => e switch
    {
        VireoException v => new(StatusFor(v.Code), v.Code.ToString(), v.Message, v.Details),
        ApiErrorException a => new(a.Status, a.Code, a.Message, []),
        BadHttpRequestException b => FromBadRequest(b, ctx),
        JsonException j => Json(j),
        ProcessFailedException p => Failed(p.Message, $"command: {CommandLine(p.Argv)}"),
        QmpErrorException q => Failed(q.Message, $"QEMU error class: {q.ErrorClass}"),
        QmpDisconnectedException d => Failed($"the QEMU monitor connection closed: {d.Message}"),
        // Names the domain and the command QEMU did not answer.
        QmpTimeoutException t => new(StatusFor(ErrorCode.OperationTimeout), nameof(ErrorCode.OperationTimeout), t.Message, []),
        QmpException other => Failed(other.Message),
        TimeoutException or OperationCanceledException { InnerException: TimeoutException } =>
            new(StatusFor(ErrorCode.OperationTimeout), nameof(ErrorCode.OperationTimeout), e.Message, []),
        // Disk full, name too long, permission denied, no such file: the host's own words name the file.
        IOException or UnauthorizedAccessException => Failed(e.Message),
        _ => null,
    };

    public static int StatusFor(ErrorCode code) => code switch
    {
        ErrorCode.NoDomain or ErrorCode.NoNetwork or ErrorCode.NoStoragePool or ErrorCode.NoStorageVolume or ErrorCode.NoSecret => 404,
        ErrorCode.DomainExists or ErrorCode.OperationInvalid => 409,
        ErrorCode.InvalidXml or ErrorCode.XmlValidation or ErrorCode.InvalidArgument => 400,
        ErrorCode.ConfigUnsupported or ErrorCode.NotSupported => 422,
        ErrorCode.OperationTimeout => 504,
        _ => 500,
    };

    /// <summary>The body for a status an endpoint or the router set without one (no route, wrong method, wrong media type).</summary>
    public static ApiError ForStatus(HttpContext ctx)
    {
        var (req, status) = (ctx.Request, ctx.Response.StatusCode);
        return status switch
        {
            404 when ctx.GetEndpoint() is null => new(404, ApiErrorCodes.NoRoute,
                $"no API endpoint at {req.Method} {req.Path} (the API is described at /v1/openapi.json)", []),
            405 => new(405, ApiErrorCodes.MethodNotAllowed,
                $"{req.Method} is not allowed on {req.Path} (allowed: {(ctx.Response.Headers.Allow.Count > 0 ? ctx.Response.Headers.Allow.ToString() : "none")})", []),
            413 => TooLarge(ctx),
            415 => new(415, ApiErrorCodes.UnsupportedMediaType,
                $"{req.Method} {req.Path} takes a JSON body (Content-Type: application/json), not '{req.ContentType}'", []),
            _ => new(status, status switch
            {
                400 => nameof(ErrorCode.InvalidArgument),
                401 => ApiErrorCodes.AuthFailed,
                403 => ApiErrorCodes.AccessDenied,
                404 => ApiErrorCodes.NoRoute,
                409 => nameof(ErrorCode.OperationInvalid),
                _ => nameof(ErrorCode.InternalError),
            }, $"HTTP {status}: {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}", []),
        };
    }

    private static ApiError FromBadRequest(BadHttpRequestException b, HttpContext ctx) => b.StatusCode switch
    {
        413 => TooLarge(ctx),
        415 => new(415, ApiErrorCodes.UnsupportedMediaType, b.Message, []),
        408 => new(StatusFor(ErrorCode.OperationTimeout), nameof(ErrorCode.OperationTimeout), b.Message, []),
        _ when b.InnerException is JsonException j => Json(j),
        _ => new(400, nameof(ErrorCode.InvalidArgument), BindingProblem.Parameter(b.Message), []),
    };

    private static ApiError TooLarge(HttpContext ctx)
    {
        var limit = ctx.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        return new(413, ApiErrorCodes.RequestTooLarge,
            $"the request is too large: vireod takes request bodies of at most {(limit is { } l ? $"{l / (1024 * 1024)} MiB ({l} bytes)" : "its limit")}", []);
    }

    private static ApiError Json(JsonException j) =>
        new(400, nameof(ErrorCode.InvalidArgument), BindingProblem.Json(j), []);

    private static ApiError Failed(string message, params string[] details) =>
        new(StatusFor(ErrorCode.OperationFailed), nameof(ErrorCode.OperationFailed), message, details);

    private static string CommandLine(IReadOnlyList<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? a : "'" + a.Replace("'", "'\\''") + "'"));
}
