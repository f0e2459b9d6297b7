using System.Text.Json;
using Vireo.Cli.Output;
using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

public static class DomainListCommands
{
    public static async Task<int> List(CliContext ctx, ParsedArgs a)
    {
        var all = await ctx.Client.ListDomainsAsync();
        IEnumerable<DomainSummary> rows = all;
        var stateFilters = new List<string>();
        if (a.Has("state-running")) stateFilters.Add("running");
        if (a.Has("state-paused")) stateFilters.Add("paused");
        if (a.Has("state-shutoff")) stateFilters.Add("shut off");
        if (stateFilters.Count > 0) rows = rows.Where(d => stateFilters.Contains(d.State));
        else if (a.Has("inactive")) rows = rows.Where(d => d.Id is null);
        else if (!a.Has("all")) rows = rows.Where(d => d.Id is not null);
        if (a.Has("autostart")) rows = rows.Where(d => d.Autostart);
        if (a.Has("no-autostart")) rows = rows.Where(d => !d.Autostart);
        if (a.Has("persistent")) rows = rows.Where(d => d.Persistent);
        if (a.Has("transient")) rows = rows.Where(d => !d.Persistent);
        var list = rows.ToList();
        if (a.Has("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(list, VireoJsonContext.Readable.ListDomainSummary));
            return 0;
        }
        if (a.Has("name") || a.Has("uuid"))
        {
            foreach (var d in list)
                ctx.Out.WriteLine(a.Has("name") && a.Has("uuid") ? $"{d.Uuid} {d.Name}" : a.Has("uuid") ? d.Uuid : d.Name);
            ctx.Out.WriteLine();
            return 0;
        }
        var header = a.Has("title") ? new[] { "Id", "Name", "State", "Title" } : new[] { "Id", "Name", "State" };
        ctx.WriteTable(header, list.Select(d => (IReadOnlyList<string>)(a.Has("title")
            ? [d.Id?.ToString() ?? "-", d.Name, d.State, d.Title ?? ""]
            : [d.Id?.ToString() ?? "-", d.Name, d.State])));
        ctx.Out.WriteLine();
        return 0;
    }
}
