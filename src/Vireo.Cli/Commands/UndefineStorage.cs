using System.Xml.Linq;
using Vireo.Cli.Parsing;
using Vireo.Client;

namespace Vireo.Cli.Commands;

/// <summary>
/// undefine --remove-all-storage / --storage / --wipe-storage, as virsh does it: the domain's disks
/// are looked up as storage volumes (by pool and volume, or by path) and deleted once the domain is
/// undefined. A disk no pool manages is reported, not deleted, and the command then fails (virsh
/// exits 0 there, so a script cannot tell that a disk was left behind). Read-only media (cdroms,
/// &lt;readonly/&gt; disks) are never removed: an ISO is usually shared by many domains.
/// </summary>
public static class UndefineStorage
{
    public sealed record Disk(string Target, string? Pool, string Source);

    public static bool Requested(ParsedArgs a) => a.Has("remove-all-storage") || a["storage"] is not null;

    /// <summary>What to remove, decided before the domain is undefined (its XML is gone after).</summary>
    public static async Task<List<Disk>> PlanAsync(CliContext ctx, ParsedArgs a, Vireo.Contracts.DomainSummary state)
    {
        var domain = state.Name;
        if (a.Has("remove-all-storage") && a["storage"] is not null)
            throw new CliException("Options --remove-all-storage and --storage are mutually exclusive");
        if (state.State != "shut off") throw new CliException("Storage volume deletion is supported only on stopped domains");
        var xml = XDocument.Parse(await ctx.Client.DumpXmlAsync(domain, inactive: true));
        var disks = xml.Root!.Element("devices")?.Elements("disk").Select(Describe).OfType<(Disk Disk, bool ReadOnly)>().ToList() ?? [];
        if (a["storage"] is { } list)
        {
            var wanted = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            var unknown = wanted.Where(w => !disks.Any(d => d.Disk.Target == w || d.Disk.Source == w)).ToList();
            if (unknown.Count > 0) throw new CliException($"Volume '{unknown[0]}' was not found in domain's definition");
            return disks.Where(d => wanted.Contains(d.Disk.Target) || wanted.Contains(d.Disk.Source)).Select(d => d.Disk).ToList();
        }
        foreach (var (d, _) in disks.Where(d => d.ReadOnly))
            ctx.Say($"Volume '{d.Target}'({d.Source}) is read-only media and is kept.");
        return disks.Where(d => !d.ReadOnly).Select(d => d.Disk).ToList();
    }

    private static (Disk, bool)? Describe(XElement disk)
    {
        var target = disk.Element("target")?.Attribute("dev")?.Value;
        var source = disk.Element("source");
        if (target is null || source is null) return null;
        var readOnly = disk.Attribute("device")?.Value is "cdrom" or "floppy" || disk.Element("readonly") is not null;
        if (disk.Attribute("type")?.Value == "volume")
        {
            var (pool, vol) = (source.Attribute("pool")?.Value, source.Attribute("volume")?.Value);
            return pool is null || vol is null ? null : (new Disk(target, pool, vol), readOnly);
        }
        var path = source.Attribute("file")?.Value ?? source.Attribute("dev")?.Value;
        return path is null ? null : (new Disk(target, null, path), readOnly);
    }

    /// <summary>Deletes (optionally wipes first) each planned volume; false if any could not be removed.</summary>
    public static async Task<bool> RemoveAsync(CliContext ctx, IReadOnlyList<Disk> disks, bool wipe)
    {
        var ok = true;
        foreach (var d in disks)
        {
            try
            {
                await ctx.Client.VolumeAsync(d.Pool, d.Source);
            }
            catch (VireoApiException e) when (e.Code is "NoStorageVolume" or "NoStoragePool")
            {
                ctx.Err.WriteLine($"error: Storage volume '{d.Target}'({d.Source}) is not managed by vireo. Remove it manually.");
                ok = false;
                continue;
            }
            try
            {
                if (wipe) await ctx.Client.WipeVolumeAsync(d.Pool, d.Source);
                await ctx.Client.DeleteVolumeAsync(d.Pool, d.Source);
                ctx.Out.WriteLine($"Volume '{d.Target}'({d.Source}) removed.");
            }
            catch (VireoApiException e)
            {
                ctx.Err.WriteLine($"error: Failed to remove storage volume '{d.Target}'({d.Source})");
                ctx.Err.WriteLine($"error: {e.Message}");
                ok = false;
            }
        }
        return ok;
    }
}
