using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Convert;
using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img commit: writes what the image (and the chain above -b base) holds into the base, then empties the image unless -d.</summary>
public static class ImgCommit
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, CancellationToken ct = default)
    {
        var a = ImgArgs.Parse("commit", args, "f:b:dpqt:r:U", "object=", "image-opts");
        if (a.Operands.Count != 1) throw new CliException("Expecting one image file name");
        var file = a.Operands[0];
        using var top = await ImageOpener.OpenAsync(file, a["f"], ct: ct);
        if (top.Backing is null) throw new CliException("Image does not have a backing file");
        // Find the base in the chain: the named image, or the immediate backing file.
        var depth = 1;
        var basePath = ((Qcow2Image)top).Header.BackingFile is { } bf ? ImageOpener.FullBackingPath(file, bf) : null;
        var layer = top.Backing;
        if (a["b"] is { } wanted)
        {
            var wantedFull = Path.GetFullPath(wanted);
            while (layer is not null && Path.GetFullPath(layer.Path) != wantedFull)
            {
                layer = layer.Backing;
                depth++;
            }
            if (layer is null) throw new CliException($"'{wanted}' is not in the backing chain of '{file}'");
            basePath = layer.Path;
        }
        var baseImage = layer!;
        var map = await ChainMap.ResolveAsync(top, 0, top.VirtualSize, ct);
        // With its own backing chain: a partial cluster written into the base is completed from what the base showed there.
        using var target = await ImageOpener.OpenAsync(basePath!, baseImage.Format, writable: true, ct: ct);
        if (target.VirtualSize < top.VirtualSize)
        {
            // What the top showed past the base's old end came from the top alone (reads past a backing file's end
            // are zeros): the grown area must read zeros, not the base's own backing file, as qemu commits it.
            var oldSize = target.VirtualSize;
            if (target is Qcow2Image grow)
            {
                await grow.ResizeAsync(top.VirtualSize, allowShrink: false, ct);
                await grow.WriteZeroesAsync(oldSize, top.VirtualSize - oldSize, ct);
            }
            else if (target is RawImage raw) RandomAccess.SetLength(raw.Handle, top.VirtualSize);
        }
        var buf = new byte[1 << 20];
        foreach (var (e, d) in map)
        {
            if (e.Kind != ExtentKind.Data || d >= depth) continue;
            for (var pos = e.Offset; pos < e.Offset + e.Length; pos += buf.Length)
            {
                var n = (int)Math.Min(buf.Length, e.Offset + e.Length - pos);
                await top.ReadAsync(pos, buf.AsMemory(0, n), ct);
                if (target is Qcow2Image q) await q.WriteAsync(pos, buf.AsMemory(0, n), ct);
                else await ((RawImage)target).WriteAsync(pos, buf.AsMemory(0, n), ct);
            }
        }
        if (target is Qcow2Image qt) await qt.FlushAsync(ct);
        else RandomAccess.FlushToDisk(((RawImage)target).Handle);
        if (!a.Has("d") && depth == 1)
        {
            using var empty = await Qcow2Image.OpenAsync(file, writable: true, ct);
            await empty.MakeEmptyAsync(ct);
        }
        if (!a.Has("q")) stdout.WriteLine("Image committed.");
        return 0;
    }
}
