using Vireo.Client;

namespace Vireo.Cli;

/// <summary>What every command gets: the daemon connection (made on first use) and the output streams.</summary>
public sealed class CliContext(string? uri, TextWriter output, TextWriter error) : IDisposable
{
    private VireoClient? _client;

    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;
    public string? UriText { get; } = uri;

    /// <summary>A virsh confirmation: the line, then an empty line.</summary>
    public void Say(string line)
    {
        Out.WriteLine(line);
        Out.WriteLine();
    }

    public VireoClient Client => _client ??= new VireoClient(DaemonUri.Resolve(UriText));

    public void Dispose() => _client?.Dispose();
}
