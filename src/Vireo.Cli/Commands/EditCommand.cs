using System.Diagnostics;
using Vireo.Cli.Parsing;
using Vireo.Client;

namespace Vireo.Cli.Commands;

/// <summary>'vireo edit': dumps the persistent XML, runs $EDITOR, and defines the result only if the daemon accepts it.</summary>
public static class EditCommand
{
    public static async Task<int> Run(CliContext ctx, ParsedArgs a)
    {
        var name = a.Required("domain");
        var original = await ctx.Client.DumpXmlAsync(name, inactive: true);
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
                    ctx.Out.WriteLine($"Domain '{name}' XML configuration not changed.\n");
                    return 0;
                }
                try
                {
                    var d = await ctx.Client.DefineAsync(edited);
                    ctx.Out.WriteLine($"Domain '{d.Name}' XML configuration edited.\n");
                    return 0;
                }
                catch (VireoApiException e) when (e.Code is "InvalidXml" or "XmlValidation" or "DomainExists")
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
