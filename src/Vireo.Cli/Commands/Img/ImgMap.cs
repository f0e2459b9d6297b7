using System.Text;
using System.Text.Json;
using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Convert;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img map: which guest ranges hold data, at which depth of the chain, and where.</summary>
public static class ImgMap
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout)
    {
        var a = ImgArgs.Parse("map", args, "f:hU", "output=", "force-share", "start-offset=", "max-length=");
        if (a.Operands.Count != 1) throw new CliException("Expecting one image file name");
        var output = a["output"] ?? "human";
        var file = a.Operands[0];
        using var image = await ImageOpener.OpenAsync(file, a["f"]);
        var start = a["start-offset"] is { } so ? Vireo.Images.Info.SizeText.Parse(so) : 0;
        var length = a["max-length"] is { } ml ? Vireo.Images.Info.SizeText.Parse(ml) : image.VirtualSize - start;
        var map = await ChainMap.ResolveAsync(image, start, length);
        if (output == "json")
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartArray();
                foreach (var (e, depth) in map)
                {
                    w.WriteStartObject();
                    w.WriteNumber("start", e.Offset);
                    w.WriteNumber("length", e.Length);
                    w.WriteNumber("depth", depth);
                    w.WriteBoolean("present", e.Kind == ExtentKind.Data);
                    w.WriteBoolean("zero", e.Kind == ExtentKind.Zero);
                    w.WriteBoolean("data", e.Kind == ExtentKind.Data);
                    if (e.HostOffset is { } h) w.WriteNumber("offset", h);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            // qemu-img prints one object per line inside the brackets.
            var text = Encoding.UTF8.GetString(ms.ToArray()).Replace("},{", "},\n{").Replace("[{", "[{").Replace("}]", "}]");
            stdout.WriteLine(text);
            return 0;
        }
        stdout.WriteLine($"{"Offset",-20}{"Length",-20}{"Mapped to",-20}File");
        foreach (var (e, depth) in map.Where(m => m.Extent.Kind == ExtentKind.Data && m.Extent.HostOffset is not null))
        {
            var layer = image;
            for (var d = 0; d < depth; d++) layer = layer!.Backing;
            stdout.WriteLine($"0x{e.Offset,-18:x}0x{e.Length,-18:x}0x{e.HostOffset,-18:x}{layer!.Path}");
        }
        return 0;
    }
}
