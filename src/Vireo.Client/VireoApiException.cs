namespace Vireo.Client;

/// <summary>An error the daemon reported (its code and message), or the daemon could not be reached (code DaemonUnreachable).</summary>
public class VireoApiException(string code, string message, int status, IReadOnlyList<string>? details = null) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;
    public IReadOnlyList<string> Details { get; } = details ?? [];
}
