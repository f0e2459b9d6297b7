using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

public static class DomainDefinitionCommands
{
    public static string ReadXmlFile(string file)
    {
        try
        {
            return file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"failed to read file '{file}': {e.Message}");
        }
    }

    public static async Task<int> Define(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        // --validate is always in effect: every definition is validated before it is saved.
        var xml = ReadXmlFile(file);
        var d = await CommandFailedException.Wrap($"Failed to define domain from {file}", () => ctx.Client.DefineAsync(xml));
        ctx.Say($"Domain '{d.Name}' defined from {file}");
        return 0;
    }

    public static async Task<int> Create(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var xml = ReadXmlFile(file); // --validate: always in effect, as for define
        var d = await CommandFailedException.Wrap($"Failed to create domain from {file}", () => ctx.Client.CreateAsync(xml, a.Has("paused")));
        ctx.Say($"Domain '{d.Name}' created from {file}");
        return a.Has("console") ? await ConsoleCommand.Attach(ctx, d.Name, null, null) : 0;
    }

    public static async Task<int> Undefine(CliContext ctx, ParsedArgs a)
    {
        var name = a.Required("domain");
        var d = await ctx.Client.StateAsync(name);
        if (a.Has("nvram") && a.Has("keep-nvram")) throw new CliException("options --nvram and --keep-nvram are mutually exclusive");
        if (a.Has("wipe-storage") && !UndefineStorage.Requested(a))
            throw new CliException("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'");
        var storage = UndefineStorage.Requested(a) ? await UndefineStorage.PlanAsync(ctx, a, d) : [];
        await CommandFailedException.Wrap($"Failed to undefine domain '{name}'", async () =>
        {
            await ctx.Client.UndefineAsync(name, a.Has("nvram"), a.Has("keep-nvram"));
            return 0;
        });
        var removed = await UndefineStorage.RemoveAsync(ctx, storage, a.Has("wipe-storage"));
        ctx.Say($"Domain '{d.Name}' has been undefined");
        return removed ? 0 : 1;
    }

    public static async Task<int> Autostart(CliContext ctx, ParsedArgs a)
    {
        var disable = a.Has("disable");
        var d = await ctx.Client.SetAutostartAsync(a.Required("domain"), !disable);
        ctx.Say(disable ? $"Domain '{d.Name}' unmarked as autostarted" : $"Domain '{d.Name}' marked as autostarted");
        return 0;
    }
}
