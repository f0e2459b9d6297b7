namespace Vireo.Client;

/// <summary>The -c URI: unix:///path/to/vireod.sock, http(s)://host:port, or libvirt's qemu:///system.</summary>
public sealed record DaemonUri(string Text, string? SocketPath, Uri? BaseAddress)
{
    public const string SystemSocket = "/run/vireo/vireod.sock";

    public static DaemonUri Resolve(string? uri)
    {
        uri ??= Environment.GetEnvironmentVariable("VIREO_DEFAULT_URI");
        if (string.IsNullOrEmpty(uri) || uri is "qemu:///system" or "vireo:///system")
            return new("unix://" + SystemSocket, SystemSocket, null);
        if (uri.StartsWith("unix://"))
        {
            var path = uri["unix://".Length..];
            if (!path.StartsWith('/')) throw new ArgumentException($"invalid URI '{uri}': expected unix:///absolute/path/to/vireod.sock");
            return new(uri, path, null);
        }
        if (uri.StartsWith("http://") || uri.StartsWith("https://"))
            return new(uri, null, new Uri(uri.TrimEnd('/') + "/"));
        throw new ArgumentException($"unsupported URI '{uri}': use unix:///path/to/vireod.sock or http(s)://host:port");
    }
}
