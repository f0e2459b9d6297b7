using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Info;
using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Cli.Commands.Img;

public static class ImgCreate
{
    public static int Run(string[] args, TextWriter stdout)
    {
        var a = ImgArgs.Parse("create", args, "f:o:b:F:uq", "object=");
        var fmt = a["f"] ?? "raw";
        var o = a.CreateOptions();
        if (a.Operands.Count == 0) throw new CliException("Expecting image file name");
        if (a.Operands.Count > 2) throw new CliException($"Unexpected argument: {a.Operands[2]}");
        var file = a.Operands[0];
        var backing = a["b"] ?? o.GetValueOrDefault("backing_file");
        var backingFmt = a["F"] ?? o.GetValueOrDefault("backing_fmt");
        long size;
        var sizeText = a.Operands.Count > 1 ? a.Operands[1] : o.GetValueOrDefault("size");
        if (sizeText is not null)
        {
            try { size = SizeText.Parse(sizeText); }
            catch (FormatException) { throw new CliException("Invalid image size specified. You may use k, M, G, T, P or E suffixes for kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes."); }
        }
        else if (backing is not null && !a.Has("u"))
        {
            // Like qemu-img: without a size, the backing file's virtual size.
            using var b = ImageOpener.OpenAsync(ImageOpener.FullBackingPath(file, backing), backingFmt).GetAwaiter().GetResult();
            size = b.VirtualSize;
            backingFmt ??= b.Format;
        }
        else throw new CliException("Image creation needs a size parameter");
        if (backing is not null && backingFmt is null && !a.Has("u"))
            backingFmt = ImageFormat.Probe(ImageOpener.FullBackingPath(file, backing));
        if (backing is not null && !a.Has("u"))
        {
            var full = ImageOpener.FullBackingPath(file, backing);
            if (!File.Exists(full)) throw new CliException($"{file}: Could not open '{full}': No such file or directory");
        }
        var known = fmt == "qcow2"
            ? new[] { "size", "compat", "cluster_size", "refcount_bits", "lazy_refcounts", "extended_l2", "compression_type", "backing_file", "backing_fmt", "preallocation" }
            : new[] { "size", "preallocation" };
        foreach (var k in o.Keys.Where(k => !known.Contains(k)))
            throw new CliException($"Invalid parameter '{k}'");
        switch (fmt)
        {
            case "raw":
                if (backing is not null) throw new CliException("raw images do not support backing files");
                var prealloc = o.GetValueOrDefault("preallocation", "off");
                if (!a.Has("q"))
                    stdout.WriteLine($"Formatting '{file}', fmt=raw size={size}{(prealloc != "off" ? $" preallocation={prealloc}" : "")}");
                RawCreator.Create(file, size, prealloc);
                return 0;
            case "qcow2":
                var q = new Qcow2CreateOptions
                {
                    Size = size,
                    Compat = o.GetValueOrDefault("compat", "1.1"),
                    ClusterSize = o.TryGetValue("cluster_size", out var cs) ? SizeText.Parse(cs, "cluster size") : 65536,
                    RefcountBits = o.TryGetValue("refcount_bits", out var rb) ? int.Parse(rb) : 16,
                    LazyRefcounts = OnOff(o, "lazy_refcounts"),
                    ExtendedL2 = OnOff(o, "extended_l2"),
                    CompressionType = o.GetValueOrDefault("compression_type", "zlib"),
                    BackingFile = backing,
                    BackingFormat = backingFmt,
                    Preallocation = o.GetValueOrDefault("preallocation", "off"),
                };
                var problems = q.Problems().ToList();
                if (problems.Count > 0) throw new CliException($"{file}: {problems[0]}");
                if (!a.Has("q"))
                    stdout.WriteLine($"Formatting '{file}', fmt=qcow2 cluster_size={q.ClusterSize} extended_l2={(q.ExtendedL2 ? "on" : "off")}" +
                        (q.Preallocation != "off" ? $" preallocation={q.Preallocation}" : "") +
                        $" compression_type={q.CompressionType} size={size}" +
                        (backing is not null ? $" backing_file={backing}" : "") + (backingFmt is not null && backing is not null ? $" backing_fmt={backingFmt}" : "") +
                        (o.ContainsKey("compat") ? $" compat={q.Compat}" : "") +
                        $" lazy_refcounts={(q.LazyRefcounts ? "on" : "off")} refcount_bits={q.RefcountBits}");
                var builder = Qcow2Builder.Create(file, q);
                builder.FinishAsync(q.Preallocation).GetAwaiter().GetResult();
                builder.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return 0;
            default:
                throw new CliException($"Unknown file format '{fmt}'");
        }
    }

    private static bool OnOff(Dictionary<string, string> o, string key) =>
        o.TryGetValue(key, out var v) && (v is "on" or "true" or "yes" ? true : v is "off" or "false" or "no" ? false
            : throw new CliException($"Parameter '{key}' expects 'on' or 'off'"));
}
