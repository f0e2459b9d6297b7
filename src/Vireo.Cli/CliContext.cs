using Vireo.Cli.Output;
using Vireo.Client;

namespace Vireo.Cli;

/// <summary>What every command gets: the daemon connection (made on first use) and the output streams.</summary>
public sealed class CliContext(string? uri, TextWriter output, TextWriter error, string? tokenFile = null) : IDisposable
{
    private VireoClient? _client;

    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;
    public string? UriText { get; } = uri;

    /// <summary>virsh -q: no confirmations and no table headers, only the data.</summary>
    public bool Quiet { get; init; }

    /// <summary>A virsh confirmation: the line, then an empty line (nothing with -q).</summary>
    public void Say(string line)
    {
        if (Quiet) return;
        Out.WriteLine(line);
        Out.WriteLine();
    }

    public void WriteTable(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        Out.Write(Table.Render(header, rows, withHeader: !Quiet));

    /// <summary>The connection; over http(s) it carries the token of --token-file or $VIREO_TOKEN_FILE.</summary>
    public VireoClient Client => _client ??= Connect();

    private VireoClient Connect()
    {
        var uri = DaemonUri.Resolve(UriText);
        return new VireoClient(uri, uri.BaseAddress is null ? null : ApiToken.Resolve(tokenFile));
    }

    public void Dispose() => _client?.Dispose();
}
