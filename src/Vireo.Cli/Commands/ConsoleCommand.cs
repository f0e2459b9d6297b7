using System.Net.WebSockets;
using System.Text;
using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

/// <summary>
/// 'vireo console': on a terminal, an interactive session in raw mode that Ctrl+] leaves.
/// From a script (stdin or stdout not a terminal), guest output is copied to stdout and stdin to
/// the guest; --until TEXT exits 0 once the guest printed TEXT, --timeout SECONDS bounds the wait.
/// </summary>
public static class ConsoleCommand
{
    private const byte EscapeChar = 0x1d; // Ctrl+]

    public static Task<int> Run(CliContext ctx, ParsedArgs a)
    {
        if (a["devname"] is { } dev && dev is not ("serial0" or "console0"))
            throw new CliException($"console device '{dev}' is not supported; use serial0");
        // --safe asks for a console that only one client can hold at a time: vireod's always is.
        return Attach(ctx, a.Required("domain"), a["until"], a.Int("timeout"), force: a.Has("force"));
    }

    public static async Task<int> Attach(CliContext ctx, string name, string? until, int? timeoutSeconds, Func<Task>? onAttached = null, bool force = false)
    {
        var interactive = until is null && timeoutSeconds is null &&
                          Host.Interop.LibC.isatty(0) == 1 && Host.Interop.LibC.isatty(1) == 1;
        using var ws = await ctx.Client.OpenConsoleAsync(name, force);
        if (onAttached is not null) await onAttached();
        using var cts = new CancellationTokenSource();
        if (timeoutSeconds is { } t) cts.CancelAfter(TimeSpan.FromSeconds(t));
        if (interactive)
        {
            ctx.Out.WriteLine($"Connected to domain '{name}'");
            ctx.Out.WriteLine("Escape character is ^] (Ctrl + ])");
            ctx.Out.Flush();
        }
        using var raw = interactive ? RawTerminal.Enter() : null;
        {
            var stdout = Console.OpenStandardOutput();
            var matched = false;
            var window = new StringBuilder();
            var output = Task.Run(async () =>
            {
                var buf = new byte[16384];
                try
                {
                    while (ws.State == WebSocketState.Open)
                    {
                        var r = await ws.ReceiveAsync(buf, cts.Token);
                        if (r.MessageType == WebSocketMessageType.Close) break;
                        await stdout.WriteAsync(buf.AsMemory(0, r.Count), cts.Token);
                        await stdout.FlushAsync(cts.Token);
                        if (until is null) continue;
                        window.Append(Encoding.Latin1.GetString(buf, 0, r.Count));
                        if (window.ToString().Contains(until, StringComparison.Ordinal)) { matched = true; break; }
                        if (window.Length > 65536) window.Remove(0, window.Length - until.Length);
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
            });
            var input = Task.Run(async () =>
            {
                // A plain stream on fd 0: Console.OpenStandardInput() on a terminal does its own line
                // editing and resets the terminal mode on every read.
                using var stdin = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
                var buf = new byte[4096];
                try
                {
                    int n;
                    while ((n = await stdin.ReadAsync(buf, cts.Token)) > 0)
                    {
                        var esc = interactive ? Array.IndexOf(buf, EscapeChar, 0, n) : -1;
                        if (esc >= 0)
                        {
                            if (esc > 0) await ws.SendAsync(buf.AsMemory(0, esc), WebSocketMessageType.Binary, true, cts.Token);
                            return true;
                        }
                        await ws.SendAsync(buf.AsMemory(0, n), WebSocketMessageType.Binary, true, cts.Token);
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException) { }
                return false;
            });
            // Scripts: stdin reaching EOF does not end the session; the guest's output, --until or --timeout do.
            var first = await Task.WhenAny(output, interactive ? input : Task.Delay(Timeout.Infinite, cts.Token).ContinueWith(_ => false));
            await cts.CancelAsync();
            if (ws.State == WebSocketState.Open)
            {
                try { await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None); }
                catch (WebSocketException) { }
            }
            if (until is not null && !matched)
            {
                ctx.Err.WriteLine($"error: the console of domain '{name}' closed or timed out before printing '{until}'");
                return 1;
            }
            if (interactive) ctx.Out.WriteLine();
            return 0;
        }
    }
}
