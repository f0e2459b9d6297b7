namespace Vireo.Client;

/// <summary>
/// The -c URI: unix:///path/to/vireod.sock, http(s)://host:port, or libvirt's qemu:///system and
/// qemu+unix:///system?socket=/path/to/vireod.sock.
/// </summary>
public sealed record DaemonUri(string Text, string? SocketPath, Uri? BaseAddress)
{
    public const string SystemSocket = "/run/vireo/vireod.sock";

    public static DaemonUri Resolve(string? uri)
    {
        uri ??= Environment.GetEnvironmentVariable("VIREO_DEFAULT_URI");
        if (string.IsNullOrEmpty(uri) || uri is "qemu:///system" or "vireo:///system")
            return new("unix://" + SystemSocket, SystemSocket, null);
        // libvirt's form for a socket of one's own: qemu+unix:///system?socket=/path/to/sock
        if ((uri.StartsWith("qemu+unix://") || uri.StartsWith("vireo+unix://")) && uri.Split("?socket=", 2) is [_, var socket])
            return socket.StartsWith('/') ? new(uri, socket, null)
                : throw new ArgumentException($"invalid URI '{uri}': the socket parameter must be an absolute path");
        if (uri.StartsWith("unix://"))
        {
            var path = uri["unix://".Length..];
            if (!path.StartsWith('/')) throw new ArgumentException($"invalid URI '{uri}': expected unix:///absolute/path/to/vireod.sock");
            return new(uri, path, null);
        }
        if (uri.StartsWith("http://") || uri.StartsWith("https://"))
            return new(uri, null, new Uri(uri.TrimEnd('/') + "/"));
        throw new ArgumentException($"unsupported URI '{uri}': use unix:///path/to/vireod.sock, qemu+unix:///system?socket=/path/to/vireod.sock or http(s)://host:port");
    }
}
