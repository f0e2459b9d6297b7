using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

/// <summary>'vireo event': prints lifecycle events as virsh does; without --loop it stops after the first.</summary>
public static class EventCommand
{
    public static async Task<int> Run(CliContext ctx, ParsedArgs a)
    {
        if (a.Has("list"))
        {
            ctx.Out.WriteLine("lifecycle");
            return 0;
        }
        // --all: every event type, and lifecycle is the one vireod reports.
        if (a["event"] is { } ev && ev != "lifecycle")
            throw new CliException($"unknown event type '{ev}' (this version reports 'lifecycle')");
        using var cts = new CancellationTokenSource();
        if (a.Int("timeout") is { } t) cts.CancelAfter(TimeSpan.FromSeconds(t));
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        // SIGTERM ends the loop the same way (SIGINT is ignored in jobs started in the background by a shell).
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM,
            c => { c.Cancel = true; cts.Cancel(); });
        var count = 0;
        try
        {
            await foreach (var e in ctx.Client.EventsAsync(a["domain"], cts.Token))
            {
                var prefix = a.Has("timestamp") ? $"{e.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss.fffzzz}: " : "";
                ctx.Out.WriteLine($"{prefix}event '{e.Type}' for domain '{e.Domain}': {e.Event} {e.Detail}".TrimEnd());
                ctx.Out.Flush();
                count++;
                if (!a.Has("loop")) break;
            }
        }
        catch (OperationCanceledException) { }
        ctx.Out.WriteLine($"events received: {count}");
        ctx.Out.WriteLine();
        return 0;
    }
}
