using System.Text;
using System.Text.Json;
using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Info;
using Vireo.Images.Qcow2;
using Vireo.Images.Tools;

namespace Vireo.Cli.Commands.Img;

public static class ImgMeasure
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout)
    {
        var a = ImgArgs.Parse("measure", args, "f:O:o:U", "output=", "size=", "force-share", "image-opts", "object=", "snapshot=");
        var o = a.CreateOptions();
        var format = a["O"] ?? "raw";
        if (a.Has("size") == (a.Operands.Count == 1)) throw new CliException("Either --size N or one filename must be specified.");
        var q = new Qcow2CreateOptions
        {
            Compat = o.GetValueOrDefault("compat", "1.1"),
            ClusterSize = o.TryGetValue("cluster_size", out var cs) ? SizeText.Parse(cs, "cluster size") : 65536,
            RefcountBits = o.TryGetValue("refcount_bits", out var rb) ? int.Parse(rb) : 16,
            ExtendedL2 = o.GetValueOrDefault("extended_l2") == "on",
            Preallocation = o.GetValueOrDefault("preallocation", "off"),
            BackingFile = o.GetValueOrDefault("backing_file"),
        };
        using var source = a.Operands.Count == 1 ? await ImageOpener.OpenAsync(a.Operands[0], a["f"]) : null;
        var r = await ImageMeasure.MeasureAsync(format, q, source, a["size"] is { } s ? SizeText.Parse(s) : null);
        if (a["output"] == "json")
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
            {
                w.WriteStartObject();
                if (r.Bitmaps is { } b) w.WriteNumber("bitmaps", b);
                w.WriteNumber("required", r.Required);
                w.WriteNumber("fully-allocated", r.FullyAllocated);
                w.WriteEndObject();
            }
            stdout.WriteLine(Encoding.UTF8.GetString(ms.ToArray()));
            return 0;
        }
        stdout.WriteLine($"required size: {r.Required}");
        stdout.WriteLine($"fully allocated size: {r.FullyAllocated}");
        if (r.Bitmaps is { } bm) stdout.WriteLine($"bitmaps size: {bm}");
        return 0;
    }
}
