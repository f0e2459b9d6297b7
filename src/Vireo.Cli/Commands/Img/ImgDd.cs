using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Convert;
using Vireo.Images.Info;
using Vireo.Images.Tools;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img dd: if=, of=, bs= (default 512), count=, skip= (in blocks); -f, -O.</summary>
public static class ImgDd
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout)
    {
        var a = ImgArgs.Parse("dd", args, "f:O:U", "force-share", "image-opts", "object=");
        var kv = new Dictionary<string, string>();
        foreach (var op in a.Operands)
        {
            var eq = op.IndexOf('=');
            if (eq <= 0) throw new CliException($"unrecognized operand {op}");
            var key = op[..eq];
            if (key is not ("if" or "of" or "bs" or "count" or "skip")) throw new CliException($"unrecognized operand {op}");
            kv[key] = op[(eq + 1)..];
        }
        var input = kv.GetValueOrDefault("if") ?? throw new CliException("Must specify both input and output files");
        var output = kv.GetValueOrDefault("of") ?? throw new CliException("Must specify both input and output files");
        var bs = kv.TryGetValue("bs", out var b) ? SizeText.Parse(b, "block size") : 512;
        if (bs <= 0) throw new CliException("invalid number: '" + b + "'");
        using var source = await ImageOpener.OpenAsync(input, a["f"]);
        var skip = kv.TryGetValue("skip", out var s) ? long.Parse(s) * bs : 0;
        var size = Math.Max(0, source.VirtualSize - skip);
        if (kv.TryGetValue("count", out var c)) size = Math.Min(size, long.Parse(c) * bs);
        using var window = new WindowImage(source, skip, size);
        await ImageConverter.ConvertAsync(window, output, new ConvertOptions { OutputFormat = a["O"] ?? "raw" });
        return 0;
    }
}
