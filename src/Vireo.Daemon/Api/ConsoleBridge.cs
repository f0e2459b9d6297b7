using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains.Queries;

namespace Vireo.Daemon.Api;

/// <summary>
/// The serial console as a WebSocket: bytes from QEMU's serial socket go out as binary
/// messages, and messages from the client are written to the guest. One session per domain.
/// </summary>
public static class ConsoleBridge
{
    public static async Task HandleAsync(HttpContext ctx, DomainConsole s, string name, bool? force)
    {
        var socketPath = s.Socket(name, out var domain);
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            // A plain GET reports why a console cannot be opened (not running, busy), which a
            // failed WebSocket handshake cannot carry.
            (await s.ClaimAsync(name, force: false)).Dispose();
            throw new VireoException(ErrorCode.InvalidArgument, "the console endpoint needs a WebSocket upgrade");
        }
        using var claim = await s.ClaimAsync(name, force == true);
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await unix.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"cannot open the console of domain '{domain}': {e.Message}");
        }
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
        // Ends when the client goes, when another client takes the console with --force, or when vireod stops.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, claim.Evicted,
            ctx.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var fromGuest = Task.Run(async () =>
        {
            var buf = new byte[16384];
            try
            {
                int n;
                while ((n = await unix.ReceiveAsync(buf, SocketFlags.None, cts.Token)) > 0)
                    await ws.SendAsync(buf.AsMemory(0, n), WebSocketMessageType.Binary, true, cts.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or WebSocketException) { }
        });
        var toGuest = Task.Run(async () =>
        {
            var buf = new byte[4096];
            try
            {
                while (true)
                {
                    var r = await ws.ReceiveAsync(buf, cts.Token);
                    if (r.MessageType == WebSocketMessageType.Close) break;
                    await unix.SendAsync(buf.AsMemory(0, r.Count), SocketFlags.None, cts.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or WebSocketException) { }
        });
        await Task.WhenAny(fromGuest, toGuest);
        await cts.CancelAsync();
        // The console is free before the client hears the session ended, so its next command finds it free.
        claim.Dispose();
        if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try { await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "console closed", CancellationToken.None); }
            catch (WebSocketException) { }
        }
    }
}
