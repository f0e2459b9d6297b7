using Vireo.Client;

namespace Vireo.Cli;

/// <summary>
/// A daemon error with virsh's headline before it ("Failed to start domain 'web'", then the reason),
/// as virsh prints a failed lifecycle call.
/// </summary>
public sealed class CommandFailedException(string headline, VireoApiException inner)
    : VireoApiException(inner.Code, inner.Message, inner.Status, inner.Details)
{
    public string Headline { get; } = headline;

    /// <summary>Runs a daemon call; its failure (other than an unknown domain, or no daemon to ask) gets the headline.</summary>
    public static async Task<T> Wrap<T>(string headline, Func<Task<T>> call)
    {
        try { return await call(); }
        catch (VireoApiException e) when (e is not CommandFailedException && e.Code is not ("NoDomain" or "DaemonUnreachable" or "AuthFailed"))
        {
            throw new CommandFailedException(headline, e);
        }
    }
}
