using Vireo.Host.Processes;

namespace Vireo.Storage.Tests;

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

/// <summary>A fake /sys, /proc and /dev tree for KernelFeatures.</summary>
public sealed class FakeKernel : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("vireo-kernel-").FullName;

    public FakeKernel With(string path, bool directory = true)
    {
        var full = Path.Combine(Root, path.TrimStart('/'));
        if (directory) Directory.CreateDirectory(full);
        else { Directory.CreateDirectory(Path.GetDirectoryName(full)!); File.WriteAllText(full, ""); }
        return this;
    }

    public void Dispose() => Directory.Delete(Root, true);
}

public sealed class FixedSecrets(string value) : ISecretValues
{
    public byte[] Value(Core.Storage.PoolAuth auth) => System.Text.Encoding.UTF8.GetBytes(value);
}
