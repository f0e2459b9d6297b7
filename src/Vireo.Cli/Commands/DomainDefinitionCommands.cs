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
        var d = await ctx.Client.DefineAsync(ReadXmlFile(file));
        ctx.Say($"Domain '{d.Name}' defined from {file}");
        return 0;
    }

    public static async Task<int> Create(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var d = await ctx.Client.CreateAsync(ReadXmlFile(file), a.Has("paused"));
        ctx.Say($"Domain '{d.Name}' created from {file}");
        return a.Has("console") ? await ConsoleCommand.Attach(ctx, d.Name, null, null) : 0;
    }

    public static async Task<int> Undefine(CliContext ctx, ParsedArgs a)
    {
        var name = a.Required("domain");
        var d = await ctx.Client.StateAsync(name);
        if (a.Has("nvram") && a.Has("keep-nvram")) throw new CliException("options --nvram and --keep-nvram are mutually exclusive");
        await ctx.Client.UndefineAsync(name, a.Has("nvram"), a.Has("keep-nvram"));
        ctx.Say($"Domain '{d.Name}' has been undefined");
        return 0;
    }

    public static async Task<int> Autostart(CliContext ctx, ParsedArgs a)
    {
        var disable = a.Has("disable");
        var d = await ctx.Client.SetAutostartAsync(a.Required("domain"), !disable);
        ctx.Out.WriteLine(disable ? $"Domain '{d.Name}' unmarked as autostarted\n" : $"Domain '{d.Name}' marked as autostarted\n");
        return 0;
    }
}
