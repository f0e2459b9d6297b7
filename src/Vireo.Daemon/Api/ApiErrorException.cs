namespace Vireo.Daemon.Api;

/// <summary>
/// A refusal of the HTTP layer itself (authentication, browsers, media types, limits), which has no
/// <see cref="Vireo.Core.Errors.ErrorCode"/>: it carries its status and one of <see cref="ApiErrorCodes"/>.
/// </summary>
public sealed class ApiErrorException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>The error codes of the HTTP layer, each with one status (libvirt's names where it has one).</summary>
public static class ApiErrorCodes
{
    /// <summary>401: no token, or the wrong one, on the TCP listener.</summary>
    public const string AuthFailed = "AuthFailed";

    /// <summary>403: the request came from a web browser.</summary>
    public const string AccessDenied = "AccessDenied";

    /// <summary>404: no endpoint has this path.</summary>
    public const string NoRoute = "NoRoute";

    /// <summary>405: the path exists, the method does not.</summary>
    public const string MethodNotAllowed = "MethodNotAllowed";

    /// <summary>413: the request body is over the limit.</summary>
    public const string RequestTooLarge = "RequestTooLarge";

    /// <summary>414: the path and query are over the limit.</summary>
    public const string UriTooLong = "UriTooLong";

    /// <summary>415: the body's Content-Type is not one the endpoint reads.</summary>
    public const string UnsupportedMediaType = "UnsupportedMediaType";
}
