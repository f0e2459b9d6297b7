using System.Diagnostics;
using Vireo.Cli.Parsing;
using Vireo.Client;

namespace Vireo.Cli.Commands;

/// <summary>'vireo edit', 'pool-edit' and 'net-edit': dumps the persistent XML, runs $EDITOR, and defines the result only if the daemon accepts it.</summary>
public static class EditCommand
{
    public static Task<int> Run(CliContext ctx, ParsedArgs a)
    {
        var name = a.Required("domain");
        return EditAsync(ctx, "Domain", name, () => ctx.Client.DumpXmlAsync(name, inactive: true, secure: true),
            async xml => (await ctx.Client.DefineAsync(xml)).Name, quote: true);
    }

    /// <summary>pool-edit: the same loop for a storage pool definition.</summary>
    public static Task<int> RunPool(CliContext ctx, ParsedArgs a)
    {
        var name = a.Required("pool");
        return EditAsync(ctx, "Pool", name, () => ctx.Client.PoolXmlAsync(name, inactive: true),
            async xml => (await ctx.Client.DefinePoolAsync(xml)).Name, quote: false);
    }

    /// <summary>net-edit: the same loop for a network definition (a running network keeps running on the old one).</summary>
    public static Task<int> RunNetwork(CliContext ctx, ParsedArgs a)
    {
        var name = a.Required("network");
        return EditAsync(ctx, "Network", name, () => ctx.Client.NetworkXmlAsync(name, inactive: true),
            async xml => (await ctx.Client.DefineNetworkAsync(xml)).Name, quote: false);
    }

    private static async Task<int> EditAsync(CliContext ctx, string kind, string name, Func<Task<string>> dump, Func<string, Task<string>> define, bool quote)
    {
        string Q(string n) => quote ? $"'{n}'" : n;
        var original = await dump();
        var tmp = Path.Combine(Path.GetTempPath(), $"vireo-edit-{Guid.NewGuid():N}.xml");
        File.WriteAllText(tmp, original);
        try
        {
            while (true)
            {
                RunEditor(tmp);
                var edited = File.ReadAllText(tmp);
                if (edited == original)
                {
                    ctx.Say($"{kind} {Q(name)} XML configuration not changed.");
                    return 0;
                }
                try
                {
                    var defined = await define(edited);
                    ctx.Say($"{kind} {Q(defined)} XML configuration edited.");
                    return 0;
                }
                catch (VireoApiException e) when (e.Code is "InvalidXml" or "XmlValidation" or "DomainExists" or "OperationFailed")
                {
                    ctx.Err.WriteLine($"error: {e.Message}");
                    if (Console.IsInputRedirected || !Ask(ctx)) throw new CliException("edit aborted: the definition was left unchanged");
                }
            }
        }
        finally { File.Delete(tmp); }
    }

    private static bool Ask(CliContext ctx)
    {
        ctx.Out.Write("Failed. Try again? [y,n]: ");
        ctx.Out.Flush();
        return Console.ReadLine()?.Trim().StartsWith('y') == true;
    }

    private static void RunEditor(string file)
    {
        var editor = Environment.GetEnvironmentVariable("VISUAL") ?? Environment.GetEnvironmentVariable("EDITOR") ?? "vi";
        // $EDITOR may carry arguments ("code --wait"), so let the shell split it.
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(editor + " \"$1\"");
        psi.ArgumentList.Add("vireo-edit");
        psi.ArgumentList.Add(file);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new CliException($"editor '{editor}' exited with status {p.ExitCode}; nothing was changed");
    }
}
