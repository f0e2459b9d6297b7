using System.Text.Json;
using Vireo.Cli.Output;
using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

public static class DomainInfoCommands
{
    public static async Task<int> DomInfo(CliContext ctx, ParsedArgs a)
    {
        var i = await ctx.Client.InfoAsync(a.Required("domain"));
        if (a.Has("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(i, VireoJsonContext.Readable.DomainInfo));
            return 0;
        }
        var o = ctx.Out;
        o.Write(Table.Field("Id", i.Id?.ToString() ?? "-"));
        o.Write(Table.Field("Name", i.Name));
        o.Write(Table.Field("UUID", i.Uuid));
        o.Write(Table.Field("OS Type", i.OsType));
        o.Write(Table.Field("State", i.State));
        o.Write(Table.Field("CPU(s)", i.Vcpus));
        if (i.CpuTimeSeconds is { } t) o.Write(Table.Field("CPU time", $"{t:0.0}s"));
        o.Write(Table.Field("Max memory", $"{i.MaxMemoryKiB} KiB"));
        o.Write(Table.Field("Used memory", $"{i.UsedMemoryKiB} KiB"));
        o.Write(Table.Field("Persistent", i.Persistent ? "yes" : "no"));
        o.Write(Table.Field("Autostart", i.Autostart ? "enable" : "disable"));
        o.Write(Table.Field("Managed save", "no"));
        o.Write(Table.Field("Security model", "none"));
        o.Write(Table.Field("Security DOI", "0"));
        o.WriteLine();
        return 0;
    }

    public static async Task<int> DomState(CliContext ctx, ParsedArgs a)
    {
        var s = await ctx.Client.StateAsync(a.Required("domain"));
        ctx.Out.WriteLine(a.Has("reason") ? $"{s.State} ({s.Reason})" : s.State);
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DomId(CliContext ctx, ParsedArgs a)
    {
        var s = await ctx.Client.StateAsync(a.Required("domain"));
        ctx.Out.WriteLine(s.Id?.ToString() ?? "-");
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DomUuid(CliContext ctx, ParsedArgs a)
    {
        var s = await ctx.Client.StateAsync(a.Required("domain"));
        ctx.Out.WriteLine(s.Uuid);
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DomName(CliContext ctx, ParsedArgs a)
    {
        var s = await ctx.Client.StateAsync(a.Required("domain"));
        ctx.Out.WriteLine(s.Name);
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DumpXml(CliContext ctx, ParsedArgs a)
    {
        if (a["xpath"] is not null) throw new CliException("option --xpath is not supported yet");
        ctx.Out.Write(await ctx.Client.DumpXmlAsync(a.Required("domain"), a.Has("inactive")));
        return 0;
    }

    public static async Task<int> VcpuInfo(CliContext ctx, ParsedArgs a)
    {
        var vcpus = await ctx.Client.VcpusAsync(a.Required("domain"));
        if (a.Has("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(vcpus, VireoJsonContext.Readable.ListVcpuInfo));
            return 0;
        }
        foreach (var v in vcpus)
        {
            ctx.Out.Write(Table.Field("VCPU", v.Vcpu));
            ctx.Out.Write(Table.Field("CPU", v.Cpu?.ToString() ?? "-"));
            ctx.Out.Write(Table.Field("State", v.State));
            ctx.Out.Write(Table.Field("CPU time", $"{v.CpuTimeSeconds:0.0}s"));
            ctx.Out.Write(Table.Field("CPU Affinity", v.Affinity ?? "-"));
            ctx.Out.Write(Table.Field("Thread ID", v.ThreadId));
            ctx.Out.WriteLine();
        }
        return 0;
    }
}
