using System.Security;
using Vireo.Cli.Output;
using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>vol-* commands. A volume is named within --pool, or found by its key or path without one.</summary>
public static class VolumeCommands
{
    private static long Size(string text, string what) => VirshSize.Parse(text, what);

    public static async Task<int> Create(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var v = await ctx.Client.CreateVolumeAsync(a.Required("pool"), DomainDefinitionCommands.ReadXmlFile(file), preallocMetadata: a.Has("prealloc-metadata"));
        ctx.Say($"Vol {v.Name} created from {file}");
        return 0;
    }

    public static async Task<int> CreateAs(CliContext ctx, ParsedArgs a)
    {
        string X(string s) => SecurityElement.Escape(s);
        var name = a.Required("name");
        var capacity = Size(a.Required("capacity"), "capacity");
        var xml = $"<volume><name>{X(name)}</name><capacity>{capacity}</capacity>";
        if (a["allocation"] is { } alloc) xml += $"<allocation>{Size(alloc, "allocation")}</allocation>";
        if (a["format"] is { } fmt) xml += $"<target><format type='{X(fmt)}'/></target>";
        if (a["backing-vol"] is { } bv)
            xml += $"<backingStore><path>{X(bv)}</path>{(a["backing-vol-format"] is { } bf ? $"<format type='{X(bf)}'/>" : "")}</backingStore>";
        xml += "</volume>";
        if (a.Has("print-xml")) { ctx.Out.WriteLine(xml); return 0; }
        var v = await ctx.Client.CreateVolumeAsync(a.Required("pool"), xml, preallocMetadata: a.Has("prealloc-metadata"));
        ctx.Say($"Vol {v.Name} created");
        return 0;
    }

    // Flags virsh has that Vireo cannot honour yet are refused by name, never ignored.
    private static void Refuse(ParsedArgs a, params (string Flag, string Why)[] flags)
    {
        foreach (var (flag, why) in flags)
            if (a.Has(flag)) throw new CliException($"option --{flag} is not supported: {why}");
    }

    private const string NoReflink = "copies are made by Vireo.Images, which does not share extents (FICLONE) yet";

    public static async Task<int> CreateFrom(CliContext ctx, ParsedArgs a)
    {
        Refuse(a, ("reflink", NoReflink));
        var input = a.Required("vol");
        var v = await ctx.Client.CreateVolumeAsync(a.Required("pool"), DomainDefinitionCommands.ReadXmlFile(a.Required("file")),
            a["inputpool"], input, a.Has("prealloc-metadata"));
        ctx.Say($"Vol {v.Name} created from input vol {input}");
        return 0;
    }

    /// <summary>vol-clone: same pool, same format, the new name.</summary>
    public static async Task<int> Clone(CliContext ctx, ParsedArgs a)
    {
        Refuse(a, ("reflink", NoReflink));
        var src = await ctx.Client.VolumeAsync(a["pool"], a.Required("vol"));
        var newName = a.Required("newname");
        var xml = $"<volume><name>{SecurityElement.Escape(newName)}</name><capacity>{src.Capacity}</capacity>" +
                  $"<target><format type='{SecurityElement.Escape(src.Format == "iso" ? "raw" : src.Format)}'/></target></volume>";
        await ctx.Client.CreateVolumeAsync(src.Pool, xml, src.Pool, src.Name, a.Has("prealloc-metadata"));
        ctx.Say($"Vol {newName} cloned from {src.Name}");
        return 0;
    }

    public static async Task<int> Delete(CliContext ctx, ParsedArgs a)
    {
        Refuse(a, ("delete-snapshots", "volume snapshots (rbd) are not managed by vireo"));
        var v = await ctx.Client.VolumeAsync(a["pool"], a.Required("vol"));
        await ctx.Client.DeleteVolumeAsync(v.Pool, v.Name);
        ctx.Say($"Vol {a.Required("vol")} deleted");
        return 0;
    }

    public static async Task<int> Wipe(CliContext ctx, ParsedArgs a)
    {
        if (a["algorithm"] is { } alg && alg != "zero") throw new CliException($"wiping algorithm '{alg}' is not supported (only 'zero')");
        var v = await ctx.Client.WipeVolumeAsync(a["pool"], a.Required("vol"));
        ctx.Say($"Vol {a.Required("vol")} wiped");
        return 0;
    }

    public static async Task<int> Resize(CliContext ctx, ParsedArgs a)
    {
        Refuse(a, ("allocate", "the added space is left sparse; allocate it with 'vireo img resize --preallocation=falloc'"));
        var text = a.Required("capacity");
        var negative = text.StartsWith('-');
        if (negative && !a.Has("shrink")) throw new CliException("negative size requires --shrink");
        var size = Size(negative || text.StartsWith('+') ? text[1..] : text, "capacity");
        var delta = a.Has("delta") || negative;
        var shrinkDelta = delta && (negative || a.Has("shrink"));
        await ctx.Client.ResizeVolumeAsync(a["pool"], a.Required("vol"),
            new VolumeResizeRequest { Capacity = shrinkDelta ? -size : size, Delta = delta, Shrink = a.Has("shrink") });
        ctx.Say(delta ? $"Size of volume '{a.Required("vol")}' successfully changed by {text}" : $"Size of volume '{a.Required("vol")}' successfully changed to {text}");
        return 0;
    }

    public static async Task<int> Info(CliContext ctx, ParsedArgs a)
    {
        var v = await ctx.Client.VolumeAsync(a["pool"], a.Required("vol"));
        string S(long n) => a.Has("bytes") ? $"{n} bytes" : Capacity.Pretty(n);
        ctx.Out.Write(Table.Field("Name", v.Name) + Table.Field("Type", v.Type) + Table.Field("Capacity", S(v.Capacity)) +
            (a.Has("physical") ? Table.Field("Physical", S(v.Physical)) : Table.Field("Allocation", S(v.Allocation))));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> List(CliContext ctx, ParsedArgs a)
    {
        var vols = await ctx.Client.ListVolumesAsync(a.Required("pool"));
        if (a.Has("details"))
            ctx.WriteTable(["Name", "Path", "Type", "Capacity", "Allocation"],
                vols.Select(v => (IReadOnlyList<string>)[v.Name, v.Path, v.Type, Capacity.Pretty(v.Capacity), Capacity.Pretty(v.Allocation)]));
        else
            ctx.WriteTable(["Name", "Path"], vols.Select(v => (IReadOnlyList<string>)[v.Name, v.Path]));
        ctx.Out.WriteLine();
        return 0;
    }

    public static async Task<int> DumpXml(CliContext ctx, ParsedArgs a)
    {
        XmlOutput.Write(ctx, a, await ctx.Client.VolumeXmlAsync(a["pool"], a.Required("vol")));
        return 0;
    }

    public static async Task<int> PathOf(CliContext ctx, ParsedArgs a) { ctx.Say((await ctx.Client.VolumeAsync(a["pool"], a.Required("vol"))).Path); return 0; }
    public static async Task<int> Key(CliContext ctx, ParsedArgs a) { ctx.Say((await ctx.Client.VolumeAsync(a["pool"], a.Required("vol"))).Key); return 0; }
    public static async Task<int> Name(CliContext ctx, ParsedArgs a) { ctx.Say((await ctx.Client.VolumeAsync(null, a.Required("vol"))).Name); return 0; }

    public static async Task<int> Pool(CliContext ctx, ParsedArgs a)
    {
        var v = await ctx.Client.VolumeAsync(null, a.Required("vol"));
        ctx.Say(a.Has("uuid") ? (await ctx.Client.PoolAsync(v.Pool)).Uuid : v.Pool);
        return 0;
    }

    public static async Task<int> Upload(CliContext ctx, ParsedArgs a)
    {
        Refuse(a, ("sparse", "holes are uploaded as zeros (vol-download --sparse keeps them on the local side)"));
        var file = a.Required("file");
        await using var fs = OpenFile(file, FileMode.Open, FileAccess.Read);
        var offset = a["offset"] is { } o ? Size(o, "offset") : 0;
        long? length = a["length"] is { } l ? Size(l, "length") : null;
        var progress = TransferProgress.ForTerminal("Uploading", length ?? fs.Length, ctx.Err);
        await ctx.Client.UploadVolumeAsync(a["pool"], a.Required("vol"), new ProgressStream(fs, progress), offset, length);
        progress.Done();
        return 0;
    }

    /// <summary>vol-download: with --sparse, zero blocks become holes in the local file.</summary>
    public static async Task<int> Download(CliContext ctx, ParsedArgs a)
    {
        var file = a.Required("file");
        var offset = a["offset"] is { } o ? Size(o, "offset") : 0;
        long? length = a["length"] is { } l ? Size(l, "length") : null;
        var (resp, data, total) = await ctx.Client.DownloadVolumeAsync(a["pool"], a.Required("vol"), offset, length);
        var progress = TransferProgress.ForTerminal("Downloading", total, ctx.Err);
        using (resp)
        await using (data)
        await using (var fs = OpenFile(file, FileMode.Create, FileAccess.Write))
        {
            var buf = new byte[1 << 20];
            long pos = 0;
            int n;
            while ((n = await ReadFullAsync(data, buf)) > 0)
            {
                if (a.Has("sparse") && !buf.AsSpan(0, n).ContainsAnyExcept((byte)0)) fs.Seek(n, SeekOrigin.Current);
                else await fs.WriteAsync(buf.AsMemory(0, n));
                pos += n;
                progress.Add(n);
            }
            fs.SetLength(pos);
        }
        progress.Done();
        return 0;
    }

    private static async Task<int> ReadFullAsync(Stream s, byte[] buf)
    {
        var done = 0;
        while (done < buf.Length)
        {
            var n = await s.ReadAsync(buf.AsMemory(done));
            if (n == 0) break;
            done += n;
        }
        return done;
    }

    private static FileStream OpenFile(string path, FileMode mode, FileAccess access)
    {
        try { return new FileStream(path, mode, access, FileShare.Read, 1 << 20, useAsync: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"cannot open file '{path}': {e.Message}"); }
    }
}
