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
            // qemu-img's own layout: one object per line, "{ " and ", " separators.
            var lines = map.Select(m => "{ " + string.Join(", ", new[]
            {
                $"\"start\": {m.Extent.Offset}", $"\"length\": {m.Extent.Length}", $"\"depth\": {m.Depth}",
                $"\"present\": {(m.Extent.Kind != ExtentKind.Unallocated ? "true" : "false")}",
                $"\"zero\": {(m.Extent.Kind != ExtentKind.Data ? "true" : "false")}",
                $"\"data\": {(m.Extent.Kind == ExtentKind.Data ? "true" : "false")}",
            }.Concat(m.Extent.HostOffset is { } h ? [$"\"offset\": {h}"] : [])) + "}");
            stdout.WriteLine("[" + string.Join(",\n", lines) + "]");
            return 0;
        }
        static string Hex(long v) => v == 0 ? "0" : $"0x{v:x}";
        // qemu-img names backing files as the chain resolved them (relative to the overlay's directory).
        static string DisplayName(string top, DiskImage layer, DiskImage image) => layer == image ? top : layer.Path;
        stdout.WriteLine($"{"Offset",-16}{"Length",-16}{"Mapped to",-16}File");
        foreach (var (e, depth) in map.Where(m => m.Extent.Kind == ExtentKind.Data))
        {
            // As qemu-img: the listing stops at the first range that has no plain host offset.
            if (e.HostOffset is null) throw new CliException("File contains external, encrypted or compressed clusters.");
            var layer = image;
            for (var d = 0; d < depth; d++) layer = layer!.Backing;
            stdout.WriteLine($"{Hex(e.Offset),-16}{Hex(e.Length),-16}{Hex(e.HostOffset!.Value),-16}{DisplayName(file, layer!, image)}");
        }
        return 0;
    }
}
