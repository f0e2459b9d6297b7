using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;

namespace Vireo.Client;

/// <summary>Typed client for the vireod REST API, over the unix socket or TCP.</summary>
public sealed partial class VireoClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly SocketsHttpHandler _handler;

    /// <param name="token">sent as <c>Authorization: Bearer</c> on http(s) URIs (vireod's TCP listener needs it); never on the unix socket</param>
    public VireoClient(DaemonUri uri, ApiToken? token = null)
    {
        Uri = uri;
        Token = uri.BaseAddress is null ? null : token;
        _handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // vireod answers "100 Continue" (or its refusal) as soon as the endpoint starts on the request; a busy
            // host may take more than the default second, and a body sent unasked may meet a closed connection.
            Expect100ContinueTimeout = TimeSpan.FromSeconds(30),
        };
        if (uri.SocketPath is { } path)
        {
            _handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        _http = new HttpClient(_handler, disposeHandler: false)
        {
            BaseAddress = uri.BaseAddress ?? new Uri("http://vireod/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public DaemonUri Uri { get; }

    /// <summary>The token sent with each request (null on the unix socket, or when none was given).</summary>
    public ApiToken? Token { get; }

    /// <summary>
    /// Bodies larger than this ask first (Expect: 100-continue): a body vireod refuses (too large, no
    /// token) is then answered before it is sent, instead of the connection breaking halfway through it.
    /// </summary>
    private const long AskBeforeSendingAbove = 64 * 1024;

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage req, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        if (req.RequestUri is { IsAbsoluteUri: false } relative) req.RequestUri = Url(_http.BaseAddress!, relative.OriginalString);
        if (Token is { } token) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        if (req.Content is { } content && content.Headers.ContentLength is null or > AskBeforeSendingAbove) req.Headers.ExpectContinue = true;
        HttpResponseMessage resp;
        try
        {
            resp = await _http.SendAsync(req, completion, ct);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            var why = e.InnerException is SocketException se ? se.Message : e.Message;
            throw new VireoApiException("DaemonUnreachable",
                $"failed to connect to the daemon at {Uri.Text}: {why}. Is vireod running? Start it with 'vireod' " +
                "(or 'systemctl start vireod'), or point -c / VIREO_DEFAULT_URI at a running instance", 0);
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
            throw new VireoApiException("DaemonUnreachable", $"the connection to the daemon at {Uri.Text} broke during the request: {why}", 0);
        }
        if (resp.IsSuccessStatusCode) return resp;
        using (resp)
        {
            throw ApiErrors.From(resp.StatusCode, await resp.Content.ReadAsStringAsync(ct), this);
        }
    }

    private async Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);
        return (await resp.Content.ReadFromJsonAsync(type, ct))!;
    }

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var resp = await SendAsync(new HttpRequestMessage(method, path) { Content = content }, ct);
        return (await resp.Content.ReadFromJsonAsync(type, ct))!;
    }

    private static StringContent Xml(string xml) => new(xml, Encoding.UTF8, "application/xml");

    private static StringContent Json<T>(T value, JsonTypeInfo<T> type) =>
        new(JsonSerializer.Serialize(value, type), Encoding.UTF8, "application/json");

    /// <summary>
    /// One path segment: every character but the unreserved ones escaped (so '/', '?', '#' and '%' stay inside the
    /// segment), and a name that is "." or ".." sent as %2E or %2E%2E, which no URI parser on the way removes as a
    /// dot segment: the request reaches the endpoint the call means, and vireod answers about that name.
    /// </summary>
    private static string E(string segment) => segment switch
    {
        "" => throw new VireoApiException("InvalidArgument", "invalid argument: an empty name cannot be looked up", 0),
        "." => "%2E",
        ".." => "%2E%2E",
        _ => System.Uri.EscapeDataString(segment),
    };

    /// <summary>
    /// <paramref name="relative"/> (every segment already escaped by <see cref="E"/>) under <paramref name="baseAddress"/>,
    /// exactly as written: System.Uri would unescape %2E and then drop the dot segment it made.
    /// </summary>
    private static Uri Url(Uri baseAddress, string relative) =>
        new(baseAddress.AbsoluteUri + relative, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    /// <summary>A query value.</summary>
    private static string Q(string value) => System.Uri.EscapeDataString(value);

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }
}

internal static class HttpContentJson
{
    public static async Task<T?> ReadFromJsonAsync<T>(this HttpContent content, JsonTypeInfo<T> type, CancellationToken ct)
    {
        await using var s = await content.ReadAsStreamAsync(ct);
        return await JsonSerializer.DeserializeAsync(s, type, ct);
    }
}
