namespace Vireo.Client;

/// <summary>
/// The bearer token for vireod's TCP listener (<c>vireod --listen ... --token-file FILE</c>), read from a
/// file: the CLI's --token-file, else $VIREO_TOKEN_FILE. It is sent only over http(s) URIs; the unix
/// socket's file mode decides who may use it.
/// </summary>
public sealed record ApiToken(string Value, string Source)
{
    public const string FileVariable = "VIREO_TOKEN_FILE";

    /// <summary>The token from <paramref name="file"/>, else from $VIREO_TOKEN_FILE; null when neither names one.</summary>
    public static ApiToken? Resolve(string? file)
    {
        file ??= Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } fromEnv ? fromEnv : null;
        return file is null ? null : FromFile(file);
    }

    public static ApiToken FromFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the token file '{path}': {e.Message}");
        }
        var token = text.Trim();
        if (token.Length == 0) throw new ArgumentException($"the token file '{path}' is empty");
        if (token.Any(c => c is < '!' or > '~')) throw new ArgumentException($"the token file '{path}' holds more than one printable word: expected just the token");
        return new ApiToken(token, path);
    }
}
