using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// Who may use which listener. The unix socket's file mode (0660) decides who connects there; every
/// other connection must present the TCP listener's token. A connection counts as the socket's only
/// when the socket's listener saw it arrive, so a listener added later needs the token too.
/// </summary>
public sealed class ListenerAccess
{
    private readonly ConcurrentDictionary<string, byte> _unixConnections = new();

    private ListenerAccess(IPEndPoint? tcpEndPoint, BearerToken? tcpToken)
    {
        TcpEndPoint = tcpEndPoint;
        TcpToken = tcpToken;
    }

    public IPEndPoint? TcpEndPoint { get; }

    /// <summary>Null: there is no TCP listener (and a connection from elsewhere is served nothing).</summary>
    public BearerToken? TcpToken { get; }

    public bool IsUnixSocketConnection(string connectionId) => _unixConnections.ContainsKey(connectionId);

    /// <summary>Connection middleware for the unix socket's listener: marks its connections for as long as they last.</summary>
    public ConnectionDelegate TrackUnixSocket(ConnectionDelegate next) => async connection =>
    {
        _unixConnections[connection.ConnectionId] = 0;
        try { await next(connection); }
        finally { _unixConnections.TryRemove(connection.ConnectionId, out _); }
    };

    /// <summary>Checks --listen and its token before vireod creates anything: each refusal says what to fix.</summary>
    public static ListenerAccess For(DaemonOptions o)
    {
        if (o.TcpListen is not { } listen) return new(null, null);
        if (!IPEndPoint.TryParse(listen, out var ep) || ep.Port == 0)
            throw new ArgumentException($"--listen {listen}: expected a loopback ADDRESS:PORT such as 127.0.0.1:16510");
        if (!IPAddress.IsLoopback(ep.Address))
            throw new ArgumentException($"--listen {listen}: only loopback addresses are allowed without TLS");
        if (o.TokenFile is not { } tokenFile)
            throw new ArgumentException($"--listen {listen} needs --token-file FILE (or token_file in vireod.conf): the TCP listener serves nothing without a bearer token");
        return new(ep, BearerToken.Load(tokenFile));
    }
}
