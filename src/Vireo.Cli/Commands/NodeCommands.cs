using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

/// <summary>virsh's host commands: nodeinfo, nodememstats, nodecpustats, freecell, sysinfo, capabilities, domcapabilities, maxvcpus.</summary>
public static class NodeCommands
{
    public static async Task<int> NodeInfo(CliContext ctx, ParsedArgs a)
    {
        var n = await ctx.Client.NodeInfoAsync();
        foreach (var (k, v) in new[]
                 {
                     ("CPU model:", n.CpuModel), ("CPU(s):", n.Cpus.ToString()), ("CPU frequency:", $"{n.Mhz} MHz"), ("CPU socket(s):", n.Sockets.ToString()),
                     ("Core(s) per socket:", n.CoresPerSocket.ToString()), ("Thread(s) per core:", n.ThreadsPerCore.ToString()),
                     ("NUMA cell(s):", n.NumaCells.ToString()), ("Memory size:", $"{n.MemoryKiB} KiB"),
                 })
            ctx.Out.WriteLine($"{k,-20} {v}");
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> MemStats(CliContext ctx, ParsedArgs a)
    {
        foreach (var s in await ctx.Client.NodeMemStatsAsync(a.Int("cell")))
            ctx.Out.WriteLine($"{s.Name,-7}: {s.Value,12} KiB");
        ctx.Out.WriteLine();
        return 0;
    }

    /// <summary>nodecpustats: cumulative counters, or with --percent the shares over one second, as virsh samples them.</summary>
    public static async Task<int> CpuStats(CliContext ctx, ParsedArgs a)
    {
        var cpu = a.Int("cpu");
        var first = await ctx.Client.NodeCpuStatsAsync(cpu);
        if (!a.Has("percent"))
        {
            foreach (var s in first) ctx.Out.WriteLine($"{s.Name + ":",-15} {s.Value,20}");
            ctx.Out.WriteLine();
            return 0;
        }
        await Task.Delay(1000);
        var second = await ctx.Client.NodeCpuStatsAsync(cpu);
        var delta = second.ToDictionary(s => s.Name, s => s.Value - first.First(f => f.Name == s.Name).Value);
        double total = Math.Max(1, delta.Values.Sum());
        ctx.Out.WriteLine($"{"usage:",-15} {100.0 * (total - delta["idle"]) / total,5:0.0}%");
        foreach (var name in new[] { "user", "system", "idle", "iowait" })
            ctx.Out.WriteLine($"{name + ":",-15} {100.0 * delta[name] / total,5:0.0}%");
        ctx.Out.WriteLine();
        return 0;
    }

    /// <summary>freecell [CELLNO] [--all]: free memory of one cell, of each, or of the whole host.</summary>
    public static async Task<int> FreeCell(CliContext ctx, ParsedArgs a)
    {
        var cells = await ctx.Client.FreeCellsAsync();
        var cellno = a.Int("cellno");
        if (cellno is not null && a.Has("all")) throw new CliException("--cellno and --all are mutually exclusive");
        if (cellno is { } c)
        {
            var cell = cells.FirstOrDefault(x => x.Cell == c) ?? throw new CliException($"invalid argument: cell number {c} does not exist (cells: {string.Join(", ", cells.Select(x => x.Cell))})");
            ctx.Out.WriteLine($"{c}: {cell.FreeKiB} KiB");
        }
        else if (a.Has("all"))
        {
            foreach (var x in cells) ctx.Out.WriteLine($"{x.Cell,5}: {x.FreeKiB,15} KiB");
            ctx.Out.WriteLine("--------------------");
            ctx.Out.WriteLine($"{"Total:",-6} {cells.Sum(x => x.FreeKiB),15} KiB");
        }
        else ctx.Out.WriteLine($"Total: {cells.Sum(x => x.FreeKiB),15} KiB");
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> SysInfo(CliContext ctx, ParsedArgs a) { ctx.Out.WriteLine(await ctx.Client.SysInfoAsync()); return 0; }

    public static async Task<int> Capabilities(CliContext ctx, ParsedArgs a) { ctx.Out.WriteLine(await ctx.Client.CapabilitiesAsync()); return 0; }

    public static async Task<int> DomCapabilities(CliContext ctx, ParsedArgs a)
    {
        ctx.Out.WriteLine(await ctx.Client.DomainCapabilitiesAsync(a["virttype"], a["emulatorbin"], a["arch"], a["machine"]));
        return 0;
    }

    public static async Task<int> MaxVcpus(CliContext ctx, ParsedArgs a)
    {
        ctx.Out.WriteLine(await ctx.Client.MaxVcpusAsync(a["type"]));
        ctx.Out.WriteLine();
        return 0;
    }
}
