using System.Text.Json;
using Vireo.Cli.Output;
using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>net-* commands with virsh's messages and tables.</summary>
public static class NetworkCommands
{
    private static string YesNo(bool b) => b ? "yes" : "no";

    public static async Task<int> Define(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var n = await ctx.Client.DefineNetworkAsync(DomainDefinitionCommands.ReadXmlFile(file));
        ctx.Say($"Network {n.Name} defined from {file}");
        return 0;
    }

    public static async Task<int> Create(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var n = await ctx.Client.CreateNetworkAsync(DomainDefinitionCommands.ReadXmlFile(file));
        ctx.Say($"Network {n.Name} created from {file}");
        return 0;
    }

    public static async Task<int> Start(CliContext ctx, ParsedArgs a) { ctx.Say($"Network {(await ctx.Client.NetworkActionAsync(a.Required("network"), "start")).Name} started"); return 0; }
    public static async Task<int> Destroy(CliContext ctx, ParsedArgs a) { ctx.Say($"Network {(await ctx.Client.NetworkActionAsync(a.Required("network"), "destroy")).Name} destroyed"); return 0; }

    public static async Task<int> Undefine(CliContext ctx, ParsedArgs a)
    {
        var n = await ctx.Client.NetworkAsync(a.Required("network"));
        await ctx.Client.UndefineNetworkAsync(n.Name);
        ctx.Say($"Network {n.Name} has been undefined");
        return 0;
    }

    public static async Task<int> Autostart(CliContext ctx, ParsedArgs a)
    {
        var disable = a.Has("disable");
        var n = await ctx.Client.SetNetworkAutostartAsync(a.Required("network"), !disable);
        ctx.Say(disable ? $"Network {n.Name} unmarked as autostarted" : $"Network {n.Name} marked as autostarted");
        return 0;
    }

    public static async Task<int> List(CliContext ctx, ParsedArgs a)
    {
        IEnumerable<NetworkSummary> rows = await ctx.Client.ListNetworksAsync();
        if (a.Has("inactive")) rows = rows.Where(n => !n.Active);
        else if (!a.Has("all")) rows = rows.Where(n => n.Active);
        if (a.Has("autostart")) rows = rows.Where(n => n.Autostart);
        if (a.Has("no-autostart")) rows = rows.Where(n => !n.Autostart);
        if (a.Has("persistent")) rows = rows.Where(n => n.Persistent);
        if (a.Has("transient")) rows = rows.Where(n => !n.Persistent);
        var list = rows.ToList();
        if (a.Has("json")) { ctx.Out.WriteLine(JsonSerializer.Serialize(list, VireoJsonContext.Readable.ListNetworkSummary)); return 0; }
        if (a.Has("name") || a.Has("uuid"))
        {
            foreach (var n in list) ctx.Out.WriteLine(a.Has("name") && a.Has("uuid") ? $"{n.Uuid} {n.Name}" : a.Has("uuid") ? n.Uuid : n.Name);
            ctx.Out.WriteLine();
            return 0;
        }
        ctx.WriteTable(["Name", "State", "Autostart", "Persistent"],
            list.Select(n => (IReadOnlyList<string>)[n.Name, n.Active ? "active" : "inactive", YesNo(n.Autostart), YesNo(n.Persistent)]));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> Info(CliContext ctx, ParsedArgs a)
    {
        var n = await ctx.Client.NetworkAsync(a.Required("network"));
        ctx.Out.Write(Table.Field("Name", n.Name) + Table.Field("UUID", n.Uuid) + Table.Field("Active", YesNo(n.Active)) +
            Table.Field("Persistent", YesNo(n.Persistent)) + Table.Field("Autostart", YesNo(n.Autostart)) + Table.Field("Bridge", n.Bridge ?? ""));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DumpXml(CliContext ctx, ParsedArgs a)
    {
        XmlOutput.Write(ctx, a, await ctx.Client.NetworkXmlAsync(a.Required("network"), a.Has("inactive")));
        return 0;
    }

    public static async Task<int> Name(CliContext ctx, ParsedArgs a) { ctx.Say((await ctx.Client.NetworkAsync(a.Required("network"))).Name); return 0; }
    public static async Task<int> Uuid(CliContext ctx, ParsedArgs a) { ctx.Say((await ctx.Client.NetworkAsync(a.Required("network"))).Uuid); return 0; }

    public static async Task<int> DhcpLeases(CliContext ctx, ParsedArgs a)
    {
        var leases = await ctx.Client.NetworkLeasesAsync(a.Required("network"), a["mac"]);
        ctx.WriteTable(["Expiry Time", "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID"],
            leases.Select(l => (IReadOnlyList<string>)[l.ExpiryTime, l.Mac, l.Protocol, l.IpAddress, l.Hostname ?? "-", l.ClientId ?? "-"]));
        ctx.Out.WriteLine();
        return 0;
    }
}
