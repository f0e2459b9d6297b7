using System.Security;
using System.Text.Json;
using Vireo.Cli.Output;
using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>pool-* commands, with virsh's flags, messages and tables.</summary>
public static class PoolCommands
{
    public static async Task<int> Define(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var p = await ctx.Client.DefinePoolAsync(DomainDefinitionCommands.ReadXmlFile(file));
        ctx.Say($"Pool {p.Name} defined from {file}");
        return 0;
    }

    public static async Task<int> Create(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var p = await ctx.Client.CreatePoolAsync(DomainDefinitionCommands.ReadXmlFile(file), BuildMode(a, a.Has("build")));
        ctx.Say($"Pool {p.Name} created from {file}");
        return 0;
    }

    /// <summary>pool-define-as / pool-create-as: the XML virsh builds from its arguments.</summary>
    public static string XmlFromArgs(ParsedArgs a)
    {
        string X(string s) => SecurityElement.Escape(s);
        var type = a.Required("type");
        var src = new List<string>();
        if (a["source-host"] is { } host)
            src.Add($"<host name='{X(host)}'{(a["source-port"] is { } port ? $" port='{X(port)}'" : "")}/>");
        if (a["source-path"] is { } sp)
            src.Add(type is "iscsi" or "iscsi-direct" ? $"<device path='{X(sp)}'/>" : $"<dir path='{X(sp)}'/>");
        if (a["source-dev"] is { } dev) src.Add($"<device path='{X(dev)}'/>");
        if (a["source-name"] is { } sn) src.Add($"<name>{X(sn)}</name>");
        if (a["source-format"] is { } sf) src.Add($"<format type='{X(sf)}'/>");
        if (a["source-initiator"] is { } iqn) src.Add($"<initiator><iqn name='{X(iqn)}'/></initiator>");
        if (a["auth-type"] is { } at)
        {
            var secret = a["secret-uuid"] is { } su ? $"uuid='{X(su)}'" : a["secret-usage"] is { } us ? $"usage='{X(us)}'" : "";
            src.Add($"<auth type='{X(at)}' username='{X(a["auth-username"] ?? "")}'><secret {secret}/></auth>");
        }
        var xml = $"<pool type='{X(type)}'><name>{X(a.Required("name"))}</name>";
        if (src.Count > 0) xml += "<source>" + string.Concat(src) + "</source>";
        if (a["target"] is { } t) xml += $"<target><path>{X(t)}</path></target>";
        return xml + "</pool>";
    }

    public static async Task<int> DefineAs(CliContext ctx, ParsedArgs a)
    {
        var xml = XmlFromArgs(a);
        if (a.Has("print-xml")) { ctx.Out.WriteLine(xml); return 0; }
        var p = await ctx.Client.DefinePoolAsync(xml);
        ctx.Say($"Pool {p.Name} defined");
        return 0;
    }

    public static async Task<int> CreateAs(CliContext ctx, ParsedArgs a)
    {
        var xml = XmlFromArgs(a);
        if (a.Has("print-xml")) { ctx.Out.WriteLine(xml); return 0; }
        var p = await ctx.Client.CreatePoolAsync(xml, BuildMode(a, a.Has("build")));
        ctx.Say($"Pool {p.Name} created");
        return 0;
    }

    private static string? BuildMode(ParsedArgs a, bool build)
    {
        if (a.Has("overwrite") && a.Has("no-overwrite")) throw new CliException("Options --overwrite and --no-overwrite are mutually exclusive");
        if (a.Has("overwrite")) return "overwrite";
        if (a.Has("no-overwrite")) return "no-overwrite";
        return build ? "" : null;
    }

    public static async Task<int> Build(CliContext ctx, ParsedArgs a)
    {
        var p = await ctx.Client.PoolActionAsync(a.Required("pool"), "build", BuildMode(a, true) is { Length: > 0 } m ? m : null);
        ctx.Say($"Pool {p.Name} built");
        return 0;
    }

    public static Task<int> Start(CliContext ctx, ParsedArgs a) => Action(ctx, a, "start", "started");
    public static Task<int> Destroy(CliContext ctx, ParsedArgs a) => Action(ctx, a, "destroy", "destroyed");
    public static Task<int> Delete(CliContext ctx, ParsedArgs a) => Action(ctx, a, "delete", "deleted");
    public static Task<int> Refresh(CliContext ctx, ParsedArgs a) => Action(ctx, a, "refresh", "refreshed");

    private static async Task<int> Action(CliContext ctx, ParsedArgs a, string action, string done)
    {
        var name = a.Required("pool");
        if (action == "start" && (a.Has("build") || a.Has("overwrite") || a.Has("no-overwrite")))
            await ctx.Client.PoolActionAsync(name, "build", BuildMode(a, true) is { Length: > 0 } m ? m : null);
        var p = await ctx.Client.PoolActionAsync(name, action);
        ctx.Say($"Pool {p.Name} {done}");
        return 0;
    }

    public static async Task<int> Undefine(CliContext ctx, ParsedArgs a)
    {
        var p = await ctx.Client.PoolAsync(a.Required("pool"));
        await ctx.Client.UndefinePoolAsync(p.Name);
        ctx.Say($"Pool {p.Name} has been undefined");
        return 0;
    }

    public static async Task<int> Autostart(CliContext ctx, ParsedArgs a)
    {
        var disable = a.Has("disable");
        var p = await ctx.Client.SetPoolAutostartAsync(a.Required("pool"), !disable);
        ctx.Say(disable ? $"Pool {p.Name} unmarked as autostarted" : $"Pool {p.Name} marked as autostarted");
        return 0;
    }

    public static async Task<int> Info(CliContext ctx, ParsedArgs a)
    {
        var p = await ctx.Client.PoolAsync(a.Required("pool"));
        string Size(long v) => a.Has("bytes") ? $"{v} bytes" : Capacity.Pretty(v);
        ctx.Out.Write(Table.Field("Name", p.Name) + Table.Field("UUID", p.Uuid) + Table.Field("State", p.State) +
            Table.Field("Persistent", p.Persistent ? "yes" : "no") + Table.Field("Autostart", p.Autostart ? "yes" : "no"));
        if (p.State == "running")
            ctx.Out.Write(Table.Field("Capacity", Size(p.Capacity)) + Table.Field("Allocation", Size(p.Allocation)) + Table.Field("Available", Size(p.Available)));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> List(CliContext ctx, ParsedArgs a)
    {
        IEnumerable<PoolSummary> rows = await ctx.Client.ListPoolsAsync();
        if (a.Has("inactive")) rows = rows.Where(p => p.State != "running");
        else if (!a.Has("all")) rows = rows.Where(p => p.State == "running");
        if (a.Has("autostart")) rows = rows.Where(p => p.Autostart);
        if (a.Has("no-autostart")) rows = rows.Where(p => !p.Autostart);
        if (a.Has("persistent")) rows = rows.Where(p => p.Persistent);
        if (a.Has("transient")) rows = rows.Where(p => !p.Persistent);
        if (a["type"] is { } types)
        {
            var wanted = types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            rows = rows.Where(p => wanted.Contains(p.Type));
        }
        var list = rows.ToList();
        if (a.Has("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(list, VireoJsonContext.Readable.ListPoolSummary));
            return 0;
        }
        if (a.Has("name") || a.Has("uuid"))
        {
            // virsh pads pool names to 20 columns here (printf "%-20s"); scripts that trim are unaffected.
            foreach (var p in list) ctx.Out.WriteLine(a.Has("name") && a.Has("uuid") ? $"{p.Uuid} {p.Name,-20}" : a.Has("uuid") ? p.Uuid : $"{p.Name,-20}");
            ctx.Out.WriteLine();
            return 0;
        }
        string YesNo(bool b) => b ? "yes" : "no";
        if (a.Has("details"))
        {
            ctx.WriteTable(["Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available"],
                list.Select(p => (IReadOnlyList<string>)(p.State == "running"
                    ? [p.Name, p.State, YesNo(p.Autostart), YesNo(p.Persistent), Capacity.Pretty(p.Capacity), Capacity.Pretty(p.Allocation), Capacity.Pretty(p.Available)]
                    : [p.Name, p.State, YesNo(p.Autostart), YesNo(p.Persistent), "-", "-", "-"])));
        }
        else
        {
            ctx.WriteTable(["Name", "State", "Autostart"],
                list.Select(p => (IReadOnlyList<string>)[p.Name, p.State == "running" ? "active" : "inactive", YesNo(p.Autostart)]));
        }
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DumpXml(CliContext ctx, ParsedArgs a)
    {
        XmlOutput.Write(ctx, a, await ctx.Client.PoolXmlAsync(a.Required("pool"), a.Has("inactive")));
        return 0;
    }

    public static async Task<int> Name(CliContext ctx, ParsedArgs a)
    {
        ctx.Say((await ctx.Client.PoolAsync(a.Required("pool"))).Name);
        return 0;
    }

    public static async Task<int> Uuid(CliContext ctx, ParsedArgs a)
    {
        ctx.Say((await ctx.Client.PoolAsync(a.Required("pool"))).Uuid);
        return 0;
    }

    /// <summary>pool-capabilities: the pool types this daemon can run, in libvirt's capabilities layout.</summary>
    public static async Task<int> Capabilities(CliContext ctx, ParsedArgs a)
    {
        var types = await ctx.Client.PoolTypesAsync();
        ctx.Out.WriteLine("<storagepoolCapabilities>");
        foreach (var t in new[] { "dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog", "gluster", "zfs", "vstorage" })
            ctx.Out.WriteLine($"  <pool type='{t}' supported='{(types.Contains(t) ? "yes" : "no")}'/>");
        ctx.Out.WriteLine("</storagepoolCapabilities>");
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> FindSourcesAs(CliContext ctx, ParsedArgs a)
    {
        int? port = a["port"] is { } p ? int.TryParse(p, out var n) ? n : throw new CliException($"invalid port '{p}'") : null;
        ctx.Out.Write(await ctx.Client.FindPoolSourcesAsync(a.Required("type"), a["host"], port, a["initiator"]));
        ctx.Out.WriteLine();
        return 0;
    }

    /// <summary>find-storage-pool-sources TYPE [SRCSPEC]: the spec file's &lt;source&gt;&lt;host&gt; says where to look.</summary>
    public static async Task<int> FindSources(CliContext ctx, ParsedArgs a)
    {
        string? host = null;
        int? port = null;
        if (a["srcSpec"] is { } spec)
        {
            var x = System.Xml.Linq.XElement.Parse(DomainDefinitionCommands.ReadXmlFile(spec));
            var h = x.Descendants("host").FirstOrDefault();
            host = h?.Attribute("name")?.Value;
            port = int.TryParse(h?.Attribute("port")?.Value, out var n) ? n : null;
        }
        ctx.Out.Write(await ctx.Client.FindPoolSourcesAsync(a.Required("type"), host, port));
        ctx.Out.WriteLine();
        return 0;
    }
}
