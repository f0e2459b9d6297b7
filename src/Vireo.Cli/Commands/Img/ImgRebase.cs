using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Convert;
using Vireo.Images.Qcow2;

namespace Vireo.Cli.Commands.Img;

/// <summary>
/// qemu-img rebase: -u only rewrites the backing file name; the safe mode first copies into the image
/// every unallocated range where the old and the new backing chains differ, so the guest sees the same data.
/// </summary>
public static class ImgRebase
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, CancellationToken ct = default)
    {
        var a = ImgArgs.Parse("rebase", args, "f:F:b:upqUt:T:", "force-share", "image-opts", "object=");
        if (a.Operands.Count != 1) throw new CliException("Expecting one image file name");
        if (!a.Has("b")) throw new CliException("Must specify backing file (-b) or use unsafe mode (-u)");
        var file = a.Operands[0];
        var newBacking = a["b"]!.Length == 0 ? null : a["b"];
        var format = a["f"] ?? ImageFormat.Probe(file);
        if (format != "qcow2") throw new CliException($"'{file}' is a {format} image, which has no backing file");
        string? newFormat = a["F"];
        if (newBacking is not null && newFormat is null && !a.Has("u"))
            newFormat = ImageFormat.Probe(ImageOpener.FullBackingPath(file, newBacking));
        if (!a.Has("u"))
        {
            using var top = (Qcow2Image)await ImageOpener.OpenAsync(file, "qcow2", writable: true, ct: ct);
            using var target = newBacking is null ? null : await ImageOpener.OpenAsync(ImageOpener.FullBackingPath(file, newBacking), newFormat, ct: ct);
            await CopyDifferencesAsync(top, target, ct);
            await top.SetBackingFileAsync(newBacking, newFormat, ct);
        }
        else
        {
            using var top = await Qcow2Image.OpenAsync(file, writable: true, ct);
            await top.SetBackingFileAsync(newBacking, newFormat, ct);
        }
        return 0;
    }

    private static async Task CopyDifferencesAsync(Qcow2Image top, DiskImage? newBacking, CancellationToken ct)
    {
        const int chunk = 1 << 20;
        var oldBuf = new byte[chunk];
        var newBuf = new byte[chunk];
        foreach (var e in await top.MapAsync(0, top.VirtualSize, ct))
        {
            if (e.Kind != ExtentKind.Unallocated) continue;
            for (var pos = e.Offset; pos < e.Offset + e.Length; pos += chunk)
            {
                var n = (int)Math.Min(chunk, e.Offset + e.Length - pos);
                if (top.Backing is { } old) await old.ReadAsync(pos, oldBuf.AsMemory(0, n), ct);
                else Array.Clear(oldBuf, 0, n);
                if (newBacking is not null) await newBacking.ReadAsync(pos, newBuf.AsMemory(0, n), ct);
                else Array.Clear(newBuf, 0, n);
                if (oldBuf.AsSpan(0, n).SequenceEqual(newBuf.AsSpan(0, n))) continue;
                await top.WriteAsync(pos, oldBuf.AsMemory(0, n), ct);
            }
        }
        await top.FlushAsync(ct);
    }
}
