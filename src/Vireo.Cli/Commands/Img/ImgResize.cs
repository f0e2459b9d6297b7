using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Info;
using Vireo.Images.Qcow2;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img resize [--shrink] [--preallocation=mode] [-f fmt] file [+|-]size.</summary>
public static class ImgResize
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        // A size like "-1G" would read as an option: take the last operand verbatim, as qemu-img does.
        var sizeText = args.Length > 0 ? args[^1] : throw new CliException("Expecting image file name and size");
        var a = ImgArgs.Parse("resize", args[..^1], "f:qU", "shrink", "preallocation=", "object=", "image-opts");
        if (a.Operands.Count != 1) throw new CliException("Expecting image file name and size");
        var file = a.Operands[0];
        ImgArgs.RequireFile(file);
        var format = a["f"] ?? ImageFormat.Probe(file);
        var relative = sizeText[0] is '+' or '-' ? sizeText[0] : '\0';
        long delta;
        try { delta = SizeText.Parse(relative == '\0' ? sizeText : sizeText[1..]); }
        catch (FormatException) { throw new CliException("Invalid image size specified. You may use k, M, G, T, P or E suffixes for kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes."); }
        long current;
        using (var probe = await ImageOpener.OpenAsync(file, format, openBacking: false, ct: ct)) current = probe.VirtualSize;
        var size = relative switch { '+' => current + delta, '-' => current - delta, _ => delta };
        if (size < 0) throw new CliException("New image size must be positive");
        var shrink = size < current;
        if (shrink)
        {
            stderr.WriteLine("vireo img: warning: Shrinking an image will delete all data beyond the shrunken image's end. Before performing such an operation, make sure there is no important data there.");
            if (!a.Has("shrink")) throw new CliException("Use the --shrink option to perform a shrink operation.");
        }
        var prealloc = a["preallocation"] ?? "off";
        switch (format)
        {
            case "raw":
                using (var f = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite))
                {
                    RandomAccess.SetLength(f, size);
                    if (!shrink && prealloc == "full")
                    {
                        var zeros = new byte[1 << 20];
                        for (var pos = current; pos < size; pos += zeros.Length)
                            RandomAccess.Write(f, zeros.AsSpan(0, (int)Math.Min(zeros.Length, size - pos)), pos);
                    }
                    else if (!shrink && prealloc == "falloc") Vireo.Images.Raw.RawCreator.Fallocate(f, current, size - current);
                }
                break;
            case "qcow2":
                using (var q = await Qcow2Image.OpenAsync(file, writable: true, ct))
                {
                    try { await q.ResizeAsync(size, a.Has("shrink"), ct, prealloc); }
                    catch (Exception e) when (e is InvalidOperationException or ArgumentException) { throw new CliException(e.Message); }
                }
                break;
            default:
                throw new CliException($"Unknown file format '{format}'");
        }
        if (!a.Has("q")) stdout.WriteLine("Image resized.");
        return 0;
    }
}
