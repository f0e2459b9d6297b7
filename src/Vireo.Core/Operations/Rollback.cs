namespace Vireo.Core.Operations;

/// <summary>
/// Undo for multi-step operations (incus's revert): register how to undo each step right after it
/// succeeds, <see cref="Commit"/> at the end. Disposed without a commit, the steps are undone in
/// reverse order; an undo that fails is reported and the rest still run, so one stuck step never
/// leaves the others behind.
/// </summary>
public sealed class Rollback(Action<string>? onUndoFailed = null) : IAsyncDisposable
{
    private readonly List<(string What, Func<Task> Undo)> _steps = [];
    private bool _committed;

    /// <summary>Registers the undo of a step that has just succeeded.</summary>
    public void Add(string what, Func<Task> undo) => _steps.Add((what, undo));

    public void Add(string what, Action undo) => _steps.Add((what, () => { undo(); return Task.CompletedTask; }));

    /// <summary>The operation succeeded: keep everything it did.</summary>
    public void Commit() => _committed = true;

    public async ValueTask DisposeAsync()
    {
        if (_committed) return;
        _committed = true;
        for (var i = _steps.Count - 1; i >= 0; i--)
        {
            var (what, undo) = _steps[i];
            try { await undo(); }
            catch (Exception e) { onUndoFailed?.Invoke($"undoing '{what}' failed: {e.Message}"); }
        }
        _steps.Clear();
    }
}
