using Vireo.Host.Processes;

namespace Vireo.Tests.Shared;

/// <summary>A fake process runner: records every command (and its stdin) and answers from a script.</summary>
public sealed class RecordingRunner(Func<IReadOnlyList<string>, ProcessResult>? answer = null) : IProcessRunner
{
    public List<(string Command, string? Stdin)> Calls { get; } = [];

    public Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, bool check = true, IReadOnlyDictionary<string, string>? env = null,
        CancellationToken ct = default, string? stdin = null)
    {
        Calls.Add((string.Join(' ', argv), stdin));
        var r = answer?.Invoke(argv) ?? new ProcessResult(0, "", "");
        if (check && r.ExitCode != 0) throw new ProcessFailedException(argv, r.ExitCode, r.Stderr);
        return Task.FromResult(r);
    }

    public IEnumerable<string> Commands => Calls.Select(c => c.Command);
}
