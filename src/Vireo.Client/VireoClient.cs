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

    public VireoClient(DaemonUri uri)
    {
        Uri = uri;
        _handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
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

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage req, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage resp;
        try
        {
            resp = await _http.SendAsync(req, completion, ct);
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException is SocketException se ? se.Message : e.Message;
            throw new VireoApiException("DaemonUnreachable",
                $"failed to connect to the daemon at {Uri.Text}: {why}. Is vireod running? Start it with 'vireod' " +
                "(or 'systemctl start vireod'), or point -c / VIREO_DEFAULT_URI at a running instance", 0);
        }
        if (resp.IsSuccessStatusCode) return resp;
        using (resp)
        {
            var body = await resp.Content.ReadAsStringAsync(ct);
            ErrorResponse? err = null;
            try { err = JsonSerializer.Deserialize(body, VireoJsonContext.Default.ErrorResponse); }
            catch (JsonException) { }
            throw new VireoApiException(err?.Code ?? "InternalError", err?.Message ?? $"HTTP {(int)resp.StatusCode}: {body}", (int)resp.StatusCode, err?.Details);
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

    private static string E(string s) => System.Uri.EscapeDataString(s);

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
