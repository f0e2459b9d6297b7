using System.Security;
using Vireo.Cli.Output;
using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

/// <summary>attach-disk, detach-disk, attach/detach/update-device, change-media and the domblk* queries.</summary>
public static class DiskCommands
{
    /// <summary>virsh's --live/--config/--persistent/--current: (live, config) for the API; both false means "current".</summary>
    internal static async Task<(bool Live, bool Config)> ScopeAsync(CliContext ctx, ParsedArgs a, string domain)
    {
        if (a.Has("current") && (a.Has("live") || a.Has("config") || a.Has("persistent")))
            throw new CliException("Options --current and --live/--config/--persistent are mutually exclusive");
        var live = a.Has("live");
        var config = a.Has("config") || a.Has("persistent");
        if (a.Has("persistent")) live = (await ctx.Client.StateAsync(domain)).Id is not null;
        return (live, config);
    }

    public static string AttachDiskXml(ParsedArgs a, string source, string target)
    {
        string X(string s) => SecurityElement.Escape(s);
        var device = a["type"] ?? "disk";
        if (device is not ("disk" or "cdrom" or "floppy" or "lun")) throw new CliException($"Unknown disk type '{device}' (disk, cdrom, floppy, lun)");
        var sourceType = a["sourcetype"] ?? (IsBlockDevice(source) ? "block" : "file");
        if (sourceType is not ("file" or "block")) throw new CliException($"Unknown source type '{sourceType}' (file or block)");
        var driver = new List<string>();
        if (a["driver"] is { } dn) driver.Add($"name='{X(dn)}'");
        if (a["subdriver"] is { } sd) driver.Add($"type='{X(sd)}'");
        if (a["cache"] is { } cache) driver.Add($"cache='{X(cache)}'");
        if (a["io"] is { } io) driver.Add($"io='{X(io)}'");
        var xml = $"<disk type='{sourceType}' device='{device}'>";
        if (driver.Count > 0) xml += $"<driver {(a["driver"] is null ? "name='qemu' " : "")}{string.Join(' ', driver)}/>";
        if (source.Length > 0) xml += sourceType == "block" ? $"<source dev='{X(source)}'/>" : $"<source file='{X(source)}'/>";
        xml += $"<target dev='{X(target)}'{(a["targetbus"] is { } bus ? $" bus='{X(bus)}'" : "")}/>";
        switch (a["mode"])
        {
            case null: break;
            case "readonly": xml += "<readonly/>"; break;
            case "shareable": xml += "<shareable/>"; break;
            case var m: throw new CliException($"No support for {m} in command 'attach-disk'");
        }
        if (a["serial"] is { } serial) xml += $"<serial>{X(serial)}</serial>";
        return xml + "</disk>";
    }

    private static bool IsBlockDevice(string path)
    {
        try { return File.Exists(path) && (File.GetAttributes(path) & FileAttributes.Device) != 0; }
        catch (IOException) { return false; }
    }

    public static async Task<int> AttachDisk(CliContext ctx, ParsedArgs a)
    {
        var domain = a.Required("domain");
        var xml = AttachDiskXml(a, a.Required("source"), a.Required("target"));
        if (a.Has("print-xml")) { ctx.Out.WriteLine(xml); return 0; }
        var (live, config) = await ScopeAsync(ctx, a, domain);
        await ctx.Client.AttachDeviceAsync(domain, xml, live, config);
        ctx.Say("Disk attached successfully");
        return 0;
    }

    public static async Task<int> DetachDisk(CliContext ctx, ParsedArgs a)
    {
        var domain = a.Required("domain");
        var (live, config) = await ScopeAsync(ctx, a, domain);
        await ctx.Client.DetachDiskAsync(domain, a.Required("target"), live, config);
        ctx.Say("Disk detached successfully");
        return 0;
    }

    public static Task<int> AttachDevice(CliContext ctx, ParsedArgs a) =>
        FromFile(ctx, a, (c, d, xml, live, config) => c.AttachDeviceAsync(d, xml, live, config), "Device attached successfully");

    public static Task<int> DetachDevice(CliContext ctx, ParsedArgs a) =>
        FromFile(ctx, a, (c, d, xml, live, config) => c.DetachDeviceAsync(d, xml, live, config), "Device detached successfully");

    public static Task<int> UpdateDevice(CliContext ctx, ParsedArgs a) =>
        FromFile(ctx, a, (c, d, xml, live, config) => c.UpdateDeviceAsync(d, xml, live, config), "Device updated successfully");

    /// <summary>attach-/detach-/update-device: the device XML from FILE, applied with the scope flags.</summary>
    private static async Task<int> FromFile(CliContext ctx, ParsedArgs a,
        Func<Client.VireoClient, string, string, bool, bool, Task> apply, string done)
    {
        var domain = a.Required("domain");
        var (live, config) = await ScopeAsync(ctx, a, domain);
        await apply(ctx.Client, domain, DomainDefinitionCommands.ReadXmlFile(a.Required("file")), live, config);
        ctx.Say(done);
        return 0;
    }

    /// <summary>change-media DOMAIN PATH [SOURCE] --eject | --insert | --update: rewrites the cdrom's source and updates the device.</summary>
    public static async Task<int> ChangeMedia(CliContext ctx, ParsedArgs a)
    {
        var domain = a.Required("domain");
        var path = a.Required("path");
        var actions = new[] { "eject", "insert", "update" }.Where(a.Has).ToList();
        if (actions.Count > 1) throw new CliException("Options --eject, --insert and --update are mutually exclusive");
        var action = actions.FirstOrDefault() ?? "update";
        var source = a["source"];
        if (action != "eject" && source is null) throw new CliException($"No source is specified for {(action == "insert" ? "inserting" : "updating")} media");
        var (live, config) = await ScopeAsync(ctx, a, domain);
        var xml = await ctx.Client.DumpXmlAsync(domain, inactive: config && !live);
        var dom = System.Xml.Linq.XElement.Parse(xml);
        var disk = dom.Element("devices")?.Elements("disk").FirstOrDefault(d =>
                d.Element("target")?.Attribute("dev")?.Value == path || d.Element("source")?.Attribute("file")?.Value == path)
            ?? throw new CliException($"No disk found whose source path or target is {path}");
        if (action == "insert" && disk.Element("source")?.Attribute("file") is not null) throw new CliException("The disk device already has a medium; use --update");
        disk.Element("source")?.Remove();
        if (action != "eject") disk.Add(new System.Xml.Linq.XElement("source", new System.Xml.Linq.XAttribute("file", source!)));
        await ctx.Client.UpdateDeviceAsync(domain, disk.ToString(), live, config);
        ctx.Say(action switch { "eject" => "Successfully ejected media.", "insert" => "Successfully inserted media.", _ => "Successfully updated media." });
        return 0;
    }

    public static async Task<int> BlkList(CliContext ctx, ParsedArgs a)
    {
        var disks = await ctx.Client.BlockListAsync(a.Required("domain"), a.Has("inactive"));
        if (a.Has("details"))
            ctx.WriteTable(["Type", "Device", "Target", "Source"], disks.Select(d => (IReadOnlyList<string>)[d.Type, d.Device, d.Target, d.Source ?? "-"]));
        else
            ctx.WriteTable(["Target", "Source"], disks.Select(d => (IReadOnlyList<string>)[d.Target, d.Source ?? "-"]));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> BlkInfo(CliContext ctx, ParsedArgs a)
    {
        var domain = a.Required("domain");
        string S(long v) => a.Has("human") ? Capacity.Pretty(v) : v.ToString();
        if (a.Has("all"))
        {
            var rows = new List<IReadOnlyList<string>>();
            foreach (var d in await ctx.Client.BlockListAsync(domain, false))
            {
                if (d.Source is null) { rows.Add([d.Target, "-", "-", "-"]); continue; }
                var i = await ctx.Client.BlockInfoAsync(domain, d.Target);
                rows.Add([d.Target, S(i.Capacity), S(i.Allocation), S(i.Physical)]);
            }
            ctx.WriteTable(["Target", "Capacity", "Allocation", "Physical"], rows);
            ctx.Out.WriteLine();
            return 0;
        }
        var info = await ctx.Client.BlockInfoAsync(domain, a.Required("device"));
        ctx.Out.Write(Table.Field("Capacity", S(info.Capacity)) + Table.Field("Allocation", S(info.Allocation)) + Table.Field("Physical", S(info.Physical)));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> BlkStat(CliContext ctx, ParsedArgs a)
    {
        var stats = await ctx.Client.BlockStatsAsync(a.Required("domain"));
        if (a["device"] is { } dev)
        {
            stats = stats.Where(s => s.Target == dev).ToList();
            if (stats.Count == 0) throw new CliException($"invalid argument: invalid path: {dev}");
        }
        foreach (var s in stats)
        {
            (string, long)[] fields = [("rd_req", s.ReadRequests), ("rd_bytes", s.ReadBytes), ("wr_req", s.WriteRequests), ("wr_bytes", s.WriteBytes),
                ("flush_operations", s.FlushOperations), ("rd_total_times", s.ReadTotalTimeNs), ("wr_total_times", s.WriteTotalTimeNs), ("flush_total_times", s.FlushTotalTimeNs)];
            foreach (var (k, v) in fields) ctx.Out.WriteLine($"{s.Target} {k} {v}");
            ctx.Out.WriteLine();
        }
        return 0;
    }

    /// <summary>blockresize DOMAIN PATH SIZE: like virsh, a bare number is KiB.</summary>
    public static async Task<int> BlockResize(CliContext ctx, ParsedArgs a)
    {
        var text = a.Required("size");
        var size = text.All(char.IsDigit) ? long.Parse(text) * 1024 : VirshSize.Parse(text, "size");
        await ctx.Client.BlockResizeAsync(a.Required("domain"), a.Required("path"), size);
        ctx.Say("Block device '" + a.Required("path") + "' is resized");
        return 0;
    }
}
