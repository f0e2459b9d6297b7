using Vireo.Client;

namespace Vireo.Client.Tests;

/// <summary>The token for vireod's TCP listener, answers from a newer vireod, and refusals that must not look like a dead daemon.</summary>
public class TokenAndLimitsTests : IDisposable
{
    private const string TokenText = "hQ3xT8nV1bL6mZ0cR5wY9pK2sD7fG4jA";
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-client-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TokenFile(string content = TokenText + "\n")
    {
        var path = Path.Combine(_dir, "token");
        File.WriteAllText(path, content);
        return path;
    }

    private const string Summary = """{"name":"a","uuid":"u","state":"shut off","reason":"unknown"}""";

    [Fact]
    public async Task The_token_goes_with_every_request_over_tcp()
    {
        using var d = new StubDaemon(200, "[]", tcp: true);
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri), ApiToken.FromFile(TokenFile()));
        await c.ListDomainsAsync();
        Assert.Equal("Bearer " + TokenText, d.Headers.Single()["authorization"]);
    }

    [Fact]
    public async Task The_token_never_goes_over_the_unix_socket()
    {
        using var d = new StubDaemon(200, "[]");
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri), ApiToken.FromFile(TokenFile()));
        Assert.Null(c.Token);
        await c.ListDomainsAsync();
        Assert.False(d.Headers.Single().ContainsKey("authorization"));
    }

    [Fact]
    public async Task A_401_says_a_token_is_needed_and_how_to_give_it()
    {
        using var d = new StubDaemon(401, """{"code":"AuthFailed","message":"authentication required: send the token","details":[]}""", tcp: true);
        using (var none = new VireoClient(DaemonUri.Resolve(d.Uri)))
        {
            var e = await Assert.ThrowsAsync<VireoApiException>(() => none.ListDomainsAsync());
            Assert.Equal(("AuthFailed", 401), (e.Code, e.Status));
            Assert.Equal($"vireod at {d.Uri} needs a token: pass --token-file FILE or set VIREO_TOKEN_FILE (a file holding the token vireod was started with)", e.Message);
        }
        var file = TokenFile();
        using var wrong = new VireoClient(DaemonUri.Resolve(d.Uri), ApiToken.FromFile(file));
        var refused = await Assert.ThrowsAsync<VireoApiException>(() => wrong.ListDomainsAsync());
        Assert.Equal($"vireod at {d.Uri} refused the token from '{file}': authentication required: send the token", refused.Message);
    }

    [Fact]
    public void The_token_file_comes_from_the_flag_then_the_environment()
    {
        var file = TokenFile();
        Assert.Equal(new ApiToken(TokenText, file), ApiToken.Resolve(file));
        Environment.SetEnvironmentVariable(ApiToken.FileVariable, file);
        try { Assert.Equal(file, ApiToken.Resolve(null)!.Source); }
        finally { Environment.SetEnvironmentVariable(ApiToken.FileVariable, null); }
        Assert.Null(ApiToken.Resolve(null));
        Assert.Equal($"the token file '{TokenFile("\n")}' is empty", Assert.Throws<ArgumentException>(() => ApiToken.FromFile(TokenFile("\n"))).Message);
        Assert.StartsWith($"cannot read the token file '{_dir}/absent': ", Assert.Throws<ArgumentException>(() => ApiToken.FromFile(_dir + "/absent")).Message);
    }

    [Fact]
    public async Task A_body_vireod_refuses_as_too_large_is_reported_as_too_large_not_as_a_dead_daemon()
    {
        // vireod answers 413 without reading the body, then closes: a client that sent the body first saw a broken pipe.
        using var d = new StubDaemon(413, """{"code":"RequestTooLarge","message":"the request is too large: vireod takes request bodies of at most 8 MiB (8388608 bytes)","details":[]}""",
            answerBeforeBody: true);
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri));
        var e = await Assert.ThrowsAsync<VireoApiException>(() => c.DefineAsync("<domain>" + new string('a', 9 * 1024 * 1024) + "</domain>"));
        Assert.Equal(("RequestTooLarge", 413), (e.Code, e.Status));
        Assert.StartsWith("the request is too large", e.Message);
        Assert.Equal("100-continue", d.Headers.Single()["expect"]);
    }

    [Fact]
    public async Task Small_bodies_are_sent_without_asking_first()
    {
        using var d = new StubDaemon(200, Summary);
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri));
        await c.DefineAsync("<domain/>");
        Assert.False(d.Headers.Single().ContainsKey("expect"));
    }

    [Theory]
    [InlineData(413, "the request is too large for vireod")]
    [InlineData(414, "the request URI is too long for vireod")]
    [InlineData(431, "the request headers are too large for vireod")]
    public async Task A_limit_of_the_http_server_without_a_body_still_has_a_message(int status, string message)
    {
        using var d = new StubDaemon(status, "", "text/plain");
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri));
        var e = await Assert.ThrowsAsync<VireoApiException>(() => c.ListDomainsAsync());
        Assert.Equal((message, status), (e.Message, e.Status));
    }

    [Fact]
    public async Task Answers_with_members_this_client_does_not_know_are_read()
    {
        using var d = new StubDaemon(200, """{"name":"a","uuid":"u","state":"shut off","reason":"unknown","memoryBalloon":{"actual":1024},"labels":["x"]}""");
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri));
        Assert.Equal("a", (await c.StateAsync("a")).Name);
    }

    [Fact]
    public async Task An_error_with_members_this_client_does_not_know_keeps_its_code_and_message()
    {
        using var d = new StubDaemon(409, """{"code":"OperationInvalid","message":"domain 'a' is not running","details":[],"retryAfter":3}""");
        using var c = new VireoClient(DaemonUri.Resolve(d.Uri));
        var e = await Assert.ThrowsAsync<VireoApiException>(() => c.ActionAsync("a", "destroy"));
        Assert.Equal(("OperationInvalid", "domain 'a' is not running"), (e.Code, e.Message));
    }
}
