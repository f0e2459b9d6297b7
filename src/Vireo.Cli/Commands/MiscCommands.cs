using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

public static class MiscCommands
{
    public static string CliVersion => typeof(MiscCommands).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static async Task<int> Version(CliContext ctx, ParsedArgs a)
    {
        var h = await ctx.Client.HostAsync();
        ctx.Out.WriteLine($"Compiled against library: vireo {CliVersion}");
        ctx.Out.WriteLine($"Using library: vireo {CliVersion}");
        ctx.Out.WriteLine($"Using API: QEMU {CliVersion}");
        ctx.Out.WriteLine($"Running hypervisor: QEMU {h.HypervisorVersion}");
        if (a.Has("daemon")) ctx.Out.WriteLine($"Running against daemon: {h.DaemonVersion}");
        ctx.Out.WriteLine();
        return 0;
    }

    public static Task<int> Uri(CliContext ctx, ParsedArgs a)
    {
        ctx.Out.WriteLine(ctx.Client.Uri.Text);
        ctx.Out.WriteLine();
        return Task.FromResult(0);
    }

    public static async Task<int> Hostname(CliContext ctx, ParsedArgs a)
    {
        ctx.Out.WriteLine((await ctx.Client.HostAsync()).Hostname);
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> MonitorCommand(CliContext ctx, ParsedArgs a)
    {
        var output = await ctx.Client.MonitorCommandAsync(a.Required("domain"), a.Required("cmd"), a.Has("hmp"));
        if (a.Has("pretty") && !a.Has("hmp") && JsonNode.Parse(output) is { } node)
            output = node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine() });
        ctx.Out.WriteLine(output.TrimEnd('\n'));
        ctx.Out.WriteLine();
        return 0;
    }

    /// <summary>qemu-agent-command DOMAIN CMD [--timeout N | --async | --block] [--pretty]: the agent's reply as virsh prints it.</summary>
    public static async Task<int> AgentCommand(CliContext ctx, ParsedArgs a)
    {
        var modes = new[] { a["timeout"] is not null, a.Has("async"), a.Has("block") }.Count(x => x);
        if (modes > 1) throw new CliException("--timeout, --async and --block are mutually exclusive");
        var timeout = a.Has("async") ? 0 : a.Has("block") ? -2 : -1;
        if (a["timeout"] is { } t && (!int.TryParse(t, out timeout) || timeout < 1))
            throw new CliException($"invalid timeout '{t}': a number of seconds, at least 1");
        var reply = await ctx.Client.AgentCommandAsync(a.Required("domain"), a.Required("cmd"), timeout);
        if (reply is null) return 0;
        if (a.Has("pretty") && JsonNode.Parse(reply) is { } node)
            reply = node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine() });
        ctx.Out.WriteLine(reply);
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DomXmlToNative(CliContext ctx, ParsedArgs a)
    {
        var format = a.Required("format");
        if (format != "qemu-argv") throw new CliException($"unsupported format '{format}': only qemu-argv is supported");
        var xml = a["xml"] is { } file ? DomainDefinitionCommands.ReadXmlFile(file)
            : a["domain"] is { } dom ? await ctx.Client.DumpXmlAsync(dom, inactive: true, secure: true)
            : throw new CliException("command 'domxml-to-native' requires <xml> or --domain");
        ctx.Out.WriteLine(await ctx.Client.DomXmlToNativeAsync(xml));
        return 0;
    }
}
