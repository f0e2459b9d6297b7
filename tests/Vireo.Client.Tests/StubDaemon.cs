using System.Net.Sockets;
using System.Text;

namespace Vireo.Client.Tests;

/// <summary>
/// A stand-in for vireod on a unix socket: records each HTTP request and answers with a canned
/// status and body. One request per connection (the answer says Connection: close).
/// </summary>
public sealed class StubDaemon : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-client-").FullName;
    private readonly CancellationTokenSource _stop = new();

    public StubDaemon(int status, string body, string contentType = "application/json")
    {
        SocketPath = Path.Combine(_dir, "vireod.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen();
        _ = ServeAsync(status, body, contentType);
    }

    public string SocketPath { get; }
    public List<(string Method, string Target, string Body)> Requests { get; } = [];

    private async Task ServeAsync(int status, string body, string contentType)
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
            var length = lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(p => int.Parse(p[1].Trim())).FirstOrDefault();
            var buf = new byte[length];
            await stream.ReadExactlyAsync(buf);
            lock (Requests) Requests.Add((requestLine[0], requestLine[1], Encoding.UTF8.GetString(buf)));
            var payload = Encoding.UTF8.GetBytes(body);
            var answer = $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
            await stream.WriteAsync(payload);
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
