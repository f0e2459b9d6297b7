using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Api;

/// <summary>Turns every error into the API's one JSON shape, with the status that matches its code.</summary>
public sealed class ErrorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext ctx)
    {
        try
        {
            await next(ctx);
        }
        catch (VireoException e)
        {
            await Write(ctx, StatusFor(e.Code), e.Code.ToString(), e.Message, e.Details);
        }
        catch (QmpTimeoutException e)
        {
            // Names the domain and the command QEMU did not answer.
            await Write(ctx, StatusFor(ErrorCode.OperationTimeout), nameof(ErrorCode.OperationTimeout), e.Message, []);
        }
        catch (QmpException e)
        {
            await Write(ctx, StatusFor(ErrorCode.OperationFailed), nameof(ErrorCode.OperationFailed), e.Message, []);
        }
        catch (BadHttpRequestException e)
        {
            await Write(ctx, 400, nameof(ErrorCode.InvalidArgument), e.Message, []);
        }
        catch (JsonException e)
        {
            await Write(ctx, 400, nameof(ErrorCode.InvalidArgument), "invalid JSON request: " + e.Message, []);
        }
    }

    public static int StatusFor(ErrorCode code) => code switch
    {
        ErrorCode.NoDomain or ErrorCode.NoNetwork or ErrorCode.NoStoragePool or ErrorCode.NoStorageVolume or ErrorCode.NoSecret => 404,
        ErrorCode.DomainExists or ErrorCode.OperationInvalid => 409,
        ErrorCode.InvalidXml or ErrorCode.XmlValidation or ErrorCode.InvalidArgument => 400,
        ErrorCode.ConfigUnsupported or ErrorCode.NotSupported => 422,
        ErrorCode.OperationTimeout => 504,
        _ => 500,
    };

    private static async Task Write(HttpContext ctx, int status, string code, string message, IReadOnlyList<string> details)
    {
        if (ctx.Response.HasStarted) return;
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        var body = new ErrorResponse { Code = code, Message = message, Details = details };
        await JsonSerializer.SerializeAsync(ctx.Response.Body, body, VireoJsonContext.Readable.ErrorResponse);
    }
}
