using System.Net;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

/// <summary>vireod's error answers as <see cref="VireoApiException"/>s, with a message for each even when the body is not the API's error shape.</summary>
internal static class ApiErrors
{
    public static VireoApiException From(HttpStatusCode statusCode, string body, VireoClient client)
    {
        var status = (int)statusCode;
        ErrorResponse? err = null;
        try { err = JsonSerializer.Deserialize(body, VireoJsonContext.Responses.ErrorResponse); }
        catch (JsonException) { }
        if (status == 401) return Unauthorized(err, client);
        if (err is not null) return new VireoApiException(err.Code, err.Message, status, err.Details);
        // Not vireod's shape: a limit of the HTTP server itself, a proxy, or something else on that port.
        var message = status switch
        {
            413 => "the request is too large for vireod",
            414 => "the request URI is too long for vireod",
            431 => "the request headers are too large for vireod",
            _ => $"HTTP {status}: {body}",
        };
        return new VireoApiException(status is 413 or 414 or 431 ? "InvalidArgument" : "InternalError", message, status);
    }

    private static VireoApiException Unauthorized(ErrorResponse? err, VireoClient client)
    {
        var message = client.Token is { } token
            ? $"vireod at {client.Uri.Text} refused the token from '{token.Source}': {err?.Message ?? "HTTP 401"}"
            : $"vireod at {client.Uri.Text} needs a token: pass --token-file FILE or set {ApiToken.FileVariable} (a file holding the token vireod was started with)";
        return new VireoApiException("AuthFailed", message, 401, err?.Details);
    }
}
