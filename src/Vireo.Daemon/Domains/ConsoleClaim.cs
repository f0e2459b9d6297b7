namespace Vireo.Daemon.Domains;

/// <summary>
/// One console session's hold on a domain's serial socket. <see cref="Evicted"/> fires when another
/// client takes the console with --force; <see cref="Released"/> completes once this session has let go.
/// </summary>
internal sealed class ConsoleClaim(DomainEntry entry) : IDisposable
{
    private readonly CancellationTokenSource _evicted = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationToken Evicted => _evicted.Token;
    public Task Released => _released.Task;

    public void Evict() => _evicted.Cancel();

    public void Dispose()
    {
        lock (entry)
            if (entry.Console == this) entry.Console = null;
        _released.TrySetResult();
        // _evicted is not disposed: a --force client may still cancel it after this session let go.
    }
}
