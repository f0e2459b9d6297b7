using Vireo.Cli.Output;
using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

/// <summary>secret-* commands. Values go to the daemon in a request body, never on its command line or in a URL.</summary>
public static class SecretCommands
{
    public static async Task<int> Define(CliContext ctx, ParsedArgs a)
    {
        var s = await ctx.Client.DefineSecretAsync(DomainDefinitionCommands.ReadXmlFile(a.Required("file")));
        ctx.Say($"Secret {s.Uuid} created");
        return 0;
    }

    public static async Task<int> Undefine(CliContext ctx, ParsedArgs a)
    {
        var uuid = a.Required("secret");
        await ctx.Client.UndefineSecretAsync(uuid);
        ctx.Say($"Secret {uuid} deleted");
        return 0;
    }

    public static async Task<int> List(CliContext ctx, ParsedArgs a)
    {
        var list = await ctx.Client.ListSecretsAsync();
        if (a.Has("ephemeral")) list = list.Where(s => s.Ephemeral).ToList();
        if (a.Has("no-ephemeral")) list = list.Where(s => !s.Ephemeral).ToList();
        if (a.Has("private")) list = list.Where(s => s.Private).ToList();
        if (a.Has("no-private")) list = list.Where(s => !s.Private).ToList();
        ctx.WriteTable(["UUID", "Usage"], list.Select(s => (IReadOnlyList<string>)[s.Uuid, s.Usage]));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DumpXml(CliContext ctx, ParsedArgs a)
    {
        ctx.Out.Write(await ctx.Client.SecretXmlAsync(a.Required("secret")));
        ctx.Out.WriteLine();
        return 0;
    }

    /// <summary>secret-set-value UUID BASE64, or --file F (its bytes; base64 text unless --plain), or --plain with the value as text.</summary>
    public static async Task<int> SetValue(CliContext ctx, ParsedArgs a)
    {
        var uuid = a.Required("secret");
        string base64;
        if (a["file"] is { } file)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"failed to read secret file '{file}': {e.Message}"); }
            base64 = a.Has("plain") ? Convert.ToBase64String(bytes) : System.Text.Encoding.ASCII.GetString(bytes).Trim();
        }
        else if (a["base64"] is { } value)
        {
            // virsh's warning, word for word: anyone on the host can read a command line (ps, /proc/PID/cmdline).
            ctx.Err.WriteLine("error: Passing secret value as command-line argument is insecure!");
            base64 = a.Has("plain") ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value)) : value;
        }
        else if (a.Has("interactive"))
        {
            ctx.Err.Write("Enter new value for secret:");
            var line = Console.In.ReadLine() ?? "";
            base64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(line));
        }
        else throw new CliException("Input secret value is missing");
        await ctx.Client.SetSecretValueAsync(uuid, base64);
        ctx.Say("Secret value set");
        return 0;
    }

    public static async Task<int> GetValue(CliContext ctx, ParsedArgs a)
    {
        var v = await ctx.Client.GetSecretValueAsync(a.Required("secret"));
        if (a.Has("plain")) ctx.Out.Write(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(v.Value)));
        else ctx.Out.WriteLine(v.Value);
        return 0;
    }
}
