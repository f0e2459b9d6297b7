using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Convert;
using Vireo.Images.Info;
using Vireo.Images.Qcow2;

namespace Vireo.Cli.Commands.Img;

public static class ImgConvert
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, CancellationToken ct = default)
    {
        var a = ImgArgs.Parse("convert", args, "f:O:o:cpS:nB:m:WUqt:T:", "target-is-zero", "force-share", "object=", "image-opts", "salvage");
        if (a.Operands.Count < 2) throw new CliException("Expecting one image file name and an output file name");
        var sources = a.Operands.Take(a.Operands.Count - 1).ToList();
        var (src, dst) = (sources[0], a.Operands[^1]);
        var outFmt = a["O"] ?? "raw";
        var o = a.CreateOptions();
        if (a.Has("B")) o["backing_file"] = a["B"]!;
        if (a.Has("target-is-zero") && !a.Has("n")) throw new CliException("--target-is-zero requires use of -n flag");
        if (a.Has("c") && a.Has("W")) throw new CliException("Out of order write and compress are mutually exclusive");
        if (a.Has("c") && outFmt != "qcow2") throw new CliException($"Compression not supported for this file format ({outFmt})");
        // Several sources are joined end to end, as qemu-img does.
        var opened = new List<DiskImage>();
        foreach (var path in sources) opened.Add(await ImageOpener.OpenAsync(path, a["f"], ct: ct));
        using var source = opened.Count == 1 ? opened[0] : new Vireo.Images.Tools.ConcatImage(opened);
        var progress = a.Has("p") ? new ProgressReporter(stdout) : null;
        var opts = new ConvertOptions
        {
            OutputFormat = outFmt,
            Compress = a.Has("c"),
            SparseSize = a["S"] is { } s ? SizeText.Parse(s, "sparse size") : 4096,
            NoCreate = a.Has("n"),
            TargetIsZero = a.Has("target-is-zero"),
            Parallel = Coroutines(a["m"]),
            OutOfOrderWrites = a.Has("W"),
            RawPreallocation = outFmt == "raw" ? o.GetValueOrDefault("preallocation", "off") : "off",
            Qcow2 = new Qcow2CreateOptions
            {
                Compat = o.GetValueOrDefault("compat", "1.1"),
                ClusterSize = o.TryGetValue("cluster_size", out var cs) ? SizeText.Parse(cs, "cluster size") : 65536,
                RefcountBits = o.TryGetValue("refcount_bits", out var rb) ? int.Parse(rb) : 16,
                LazyRefcounts = o.GetValueOrDefault("lazy_refcounts") == "on",
                ExtendedL2 = o.GetValueOrDefault("extended_l2") == "on",
                CompressionType = o.GetValueOrDefault("compression_type", "zlib"),
                BackingFile = o.GetValueOrDefault("backing_file"),
                BackingFormat = o.GetValueOrDefault("backing_fmt"),
            },
            Progress = progress is null ? null : progress.Report,
            FlushAtEnd = (a["t"] ?? "unsafe") switch
            {
                "unsafe" => false,
                "writeback" or "none" or "writethrough" or "directsync" => true,
                var t => throw new CliException($"Invalid cache option: {t}"),
            },
        };
        if (opts.Qcow2.BackingFile is not null)
        {
            if (outFmt != "qcow2") throw new CliException($"Backing file not supported for file format '{outFmt}'");
            var full = ImageOpener.FullBackingPath(dst, opts.Qcow2.BackingFile);
            if (!File.Exists(full)) throw new CliException($"Could not open backing file '{full}': No such file or directory");
            if (opts.Qcow2.BackingFormat is null) opts = opts with { Qcow2 = opts.Qcow2 with { BackingFormat = ImageFormat.Probe(full) } };
        }
        await ImageConverter.ConvertAsync(source, dst, opts, ct);
        progress?.Done();
        return 0;
    }

    /// <summary>qemu-img -p: a redrawn "(NN.NN/100%)" on a terminal, plain percentages otherwise.</summary>
    private sealed class ProgressReporter(TextWriter o)
    {
        private readonly bool _tty = !Console.IsOutputRedirected;
        private int _lastWhole = -1;
        private readonly object _gate = new();

        public void Report(double percent)
        {
            lock (_gate)
            {
                if (_tty) { o.Write($"\r    ({percent:0.00}/100%)"); o.Flush(); return; }
                var whole = (int)percent;
                if (whole == _lastWhole) return;
                _lastWhole = whole;
                o.WriteLine($"    ({whole:0.00}/100%)");
            }
        }

        public void Done()
        {
            if (_tty) o.WriteLine();
        }
    }

    /// <summary>-m: qemu-img's limit and message.</summary>
    private static int Coroutines(string? m)
    {
        if (m is null) return 8;
        if (!int.TryParse(m, out var n) || n < 1 || n > 16)
            throw new CliException("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16");
        return n;
    }
}
