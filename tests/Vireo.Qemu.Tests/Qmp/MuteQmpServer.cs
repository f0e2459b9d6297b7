using System.Net.Sockets;
using System.Text;

namespace Vireo.Qemu.Tests.Qmp;

/// <summary>
/// A monitor socket that accepts connections but, like a stopped QEMU, never speaks: no greeting unless asked
/// for one, and never a reply. It still reads what it is sent, so a test can see what reached it.
/// </summary>
public sealed class MuteQmpServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _clients = [];

    public MuteQmpServer(bool greet)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"muteqmp-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(4);
        _ = AcceptAsync(greet);
    }

    public string Path { get; }

    /// <summary>Completes with each line received, in order.</summary>
    public System.Threading.Channels.Channel<string> Received { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

    private async Task AcceptAsync(bool greet)
    {
        try
        {
            while (true)
            {
                var s = await _listener.AcceptAsync();
                lock (_clients) _clients.Add(s);
                if (greet) await s.SendAsync(Encoding.UTF8.GetBytes("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"));
                _ = Task.Run(async () =>
                {
                    using var reader = new StreamReader(new NetworkStream(s, ownsSocket: false));
                    try
                    {
                        while (await reader.ReadLineAsync() is { } line) await Received.Writer.WriteAsync(line);
                    }
                    catch (IOException) { }
                    catch (ObjectDisposedException) { }
                });
            }
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    public ValueTask DisposeAsync()
    {
        lock (_clients) foreach (var c in _clients) c.Dispose();
        _listener.Dispose();
        File.Delete(Path);
        return ValueTask.CompletedTask;
    }
}
