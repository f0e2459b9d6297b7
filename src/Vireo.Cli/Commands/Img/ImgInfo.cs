using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Info;

namespace Vireo.Cli.Commands.Img;

public static class ImgInfo
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout)
    {
        var a = ImgArgs.Parse("info", args, "f:hU", "output=", "backing-chain", "force-share", "image-opts", "object=");
        if (a.Operands.Count != 1) throw new CliException("Expecting one image file name");
        var output = a["output"] ?? "human";
        if (output is not ("human" or "json")) throw new CliException($"--output must be used with human or json as argument.");
        var file = a.Operands[0];
        ImgArgs.RequireFile(file);
        using var image = await ImageOpener.OpenAsync(file, a["f"], openBacking: a.Has("backing-chain"));
        var chain = new List<(DiskImage, string)>();
        var name = file;
        for (var img = image; img is not null; img = img.Backing)
        {
            chain.Add((img, name));
            if (img is Vireo.Images.Qcow2.Qcow2Image q && q.Header.BackingFile is { } bf) name = ImageOpener.FullBackingPath(name, bf);
            if (!a.Has("backing-chain")) break;
        }
        if (output == "json")
            stdout.Write(a.Has("backing-chain") ? ImageInfo.Json(chain, chain: true) : ImageInfo.Json(image, file));
        else
            stdout.Write(string.Join("\n", chain.Select(c => ImageInfo.Human(c.Item1, c.Item2))));
        return 0;
    }
}
