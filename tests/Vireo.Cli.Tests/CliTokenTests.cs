using Vireo.Client.Tests;

namespace Vireo.Cli.Tests;

/// <summary>vireo -c http://... with vireod's token: --token-file, and what a missing or wrong token prints.</summary>
public class CliTokenTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-cli-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = await VireoCli.RunAsync(args, o, e);
        return (exit, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task The_token_file_flag_sends_its_token()
    {
        var file = Path.Combine(_dir, "token");
        File.WriteAllText(file, "Zt6yR1uQ8wE3rT5yU7iO9pA2sD4fG6hJ\n");
        using var d = new StubDaemon(200, "[]", tcp: true);
        Assert.Equal(0, (await Run("-c", d.Uri, "--token-file", file, "list")).Exit);
        Assert.Equal(0, (await Run("--token-file=" + file, "-c", d.Uri, "list")).Exit);
        Assert.All(d.Headers, h => Assert.Equal("Bearer Zt6yR1uQ8wE3rT5yU7iO9pA2sD4fG6hJ", h["authorization"]));
    }

    [Fact]
    public async Task Without_a_token_the_error_says_one_is_needed()
    {
        using var d = new StubDaemon(401, """{"code":"AuthFailed","message":"authentication required","details":[]}""", tcp: true);
        // No "Failed to start domain" headline: nothing was tried.
        Assert.Equal((1, "\n", $"error: vireod at {d.Uri} needs a token: pass --token-file FILE or set VIREO_TOKEN_FILE (a file holding the token vireod was started with)\n"),
            await Run("-c", d.Uri, "start", "web"));
    }

    [Fact]
    public async Task An_unreadable_token_file_is_an_error_naming_it()
    {
        using var d = new StubDaemon(200, "[]", tcp: true);
        var (exit, _, err) = await Run("-c", d.Uri, "--token-file", Path.Combine(_dir, "absent"), "list");
        Assert.Equal(1, exit);
        Assert.StartsWith($"error: cannot read the token file '{_dir}/absent': ", err);
        Assert.Empty(d.Requests);
    }
}
