using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vireo.Client.Tests;

/// <summary>
/// A stand-in for vireod on a unix socket (or loopback TCP): records each HTTP request and answers with a
/// canned status and body. One request per connection (the answer says Connection: close). A request
/// that asks first (Expect: 100-continue) gets "100 Continue", unless the stub answers before bodies.
/// </summary>
public sealed class StubDaemon : IDisposable
{
    private readonly Socket _listener;
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-client-").FullName;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="answerBeforeBody">answer without reading the request body, then close (as vireod refuses a body over its limit)</param>
    public StubDaemon(int status, string body, string contentType = "application/json", bool tcp = false, bool answerBeforeBody = false)
    {
        if (tcp)
        {
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Uri = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}";
        }
        else
        {
            SocketPath = Path.Combine(_dir, "vireod.sock");
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            Uri = "unix://" + SocketPath;
        }
        _listener.Listen();
        _ = ServeAsync(status, body, contentType, answerBeforeBody);
    }

    /// <summary>The unix socket's path (null for a TCP stub).</summary>
    public string SocketPath { get; } = "";

    /// <summary>The -c URI that reaches this stub.</summary>
    public string Uri { get; }

    public List<(string Method, string Target, string Body)> Requests { get; } = [];

    /// <summary>Each request's headers, names in lower case.</summary>
    public List<Dictionary<string, string>> Headers { get; } = [];

    private async Task ServeAsync(int status, string body, string contentType, bool answerBeforeBody)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            using var stream = new NetworkStream(s, ownsSocket: true);
            var head = await ReadHeadAsync(stream);
            var lines = head.Split("\r\n");
            var requestLine = lines[0].Split(' ');
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim().ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Last()[1].Trim());
            var length = headers.TryGetValue("content-length", out var l) ? int.Parse(l) : 0;
            var buf = new byte[answerBeforeBody ? 0 : length];
            if (!answerBeforeBody)
            {
                if (headers.TryGetValue("expect", out var expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
                    await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray());
                await stream.ReadExactlyAsync(buf);
            }
            lock (Requests)
            {
                Requests.Add((requestLine[0], requestLine[1], Encoding.UTF8.GetString(buf)));
                Headers.Add(headers);
            }
            var payload = Encoding.UTF8.GetBytes(body);
            var answer = $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
                await stream.WriteAsync(payload);
            }
            catch (IOException) { /* the client gave up */ }
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (!sb.ToString().EndsWith("\r\n\r\n") && await stream.ReadAsync(one) == 1) sb.Append((char)one[0]);
        return sb.ToString();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
