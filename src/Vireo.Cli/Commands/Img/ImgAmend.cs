using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Qcow2;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img amend -o: compat (1.1 and 0.10), lazy_refcounts, backing_file/backing_fmt (header only).</summary>
public static class ImgAmend
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, CancellationToken ct = default)
    {
        var a = ImgArgs.Parse("amend", args, "f:o:pqt:U", "object=", "image-opts", "force");
        if (a.Operands.Count != 1) throw new CliException("Expecting one image file name");
        var o = a.CreateOptions();
        if (o.Count == 0) throw new CliException("Must specify options (-o)");
        var file = a.Operands[0];
        var format = a["f"] ?? ImageFormat.Probe(file);
        if (format != "qcow2") throw new CliException($"Format driver '{format}' does not support option amendment");
        string[] supported = ["compat", "lazy_refcounts", "backing_file", "backing_fmt", "refcount_bits"];
        foreach (var k in o.Keys.Where(k => !supported.Contains(k)))
            throw new CliException(k is "cluster_size" or "encryption" or "preallocation" or "extended_l2" or "compression_type"
                ? $"Changing the {k} option is not supported"
                : $"Invalid parameter '{k}'");
        if (o.TryGetValue("refcount_bits", out var rb))
        {
            if (!int.TryParse(rb, out var bits)) throw new CliException($"Invalid parameter '{rb}' for refcount_bits");
            try { await Vireo.Images.Qcow2.Qcow2Checker.ChangeRefcountWidthAsync(file, bits, ct); }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException) { throw new CliException(e.Message); }
            o.Remove("refcount_bits");
            if (o.Count == 0) return 0;
        }
        // Opened with its backing chain: a downgrade writes zero clusters out as zeros when a backing file would show through.
        using var img = (Qcow2Image)await ImageOpener.OpenAsync(file, "qcow2", writable: true, ct: ct);
        try
        {
            // A downgrade needs lazy refcounts off first; an upgrade needs version 3 before turning them on.
            var downgrade = o.GetValueOrDefault("compat") is "0.10" or "v2";
            if (downgrade && o.TryGetValue("lazy_refcounts", out var off)) await img.SetLazyRefcountsAsync(off is "on" or "true", ct);
            if (o.TryGetValue("compat", out var compat)) await img.SetCompatAsync(compat, ct);
            if (!downgrade && o.TryGetValue("lazy_refcounts", out var lazy)) await img.SetLazyRefcountsAsync(lazy is "on" or "true", ct);
            if (o.ContainsKey("backing_file") || o.ContainsKey("backing_fmt"))
                await img.SetBackingFileAsync(o.GetValueOrDefault("backing_file", img.Header.BackingFile!), o.GetValueOrDefault("backing_fmt", img.Header.BackingFormat!), ct);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException) { throw new CliException(e.Message); }
        return 0;
    }
}
