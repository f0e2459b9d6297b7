using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Tools;

namespace Vireo.Cli.Commands.Img;

public static class ImgCompare
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = ImgArgs.Parse("compare", args, "f:F:spqU", "force-share", "image-opts", "object=");
        if (a.Operands.Count != 2) throw new CliException("Expecting two image file names");
        try
        {
            using var one = await ImageOpener.OpenAsync(a.Operands[0], a["f"]);
            using var two = await ImageOpener.OpenAsync(a.Operands[1], a["F"] ?? a["f"]);
            var r = await ImageCompare.CompareAsync(one, two, a.Has("s"));
            if (!a.Has("q")) foreach (var line in r.Lines) stdout.WriteLine(line);
            return r.ExitCode;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException)
        {
            // qemu-img compare: 2 means the comparison could not be made.
            stderr.WriteLine($"vireo img: {e.Message}");
            return 2;
        }
    }
}
