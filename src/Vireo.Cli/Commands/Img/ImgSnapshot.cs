using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Info;
using Vireo.Images.Qcow2;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img snapshot: -l lists, -c creates, -a applies, -d deletes internal snapshots of a qcow2 image.</summary>
public static class ImgSnapshot
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, CancellationToken ct = default)
    {
        var a = ImgArgs.Parse("snapshot", args, "f:la:c:d:qU", "force-share", "image-opts", "object=");
        if (a.Operands.Count != 1) throw new CliException("Expecting one image file name");
        var actions = new[] { "l", "a", "c", "d" }.Where(a.Has).ToList();
        if (actions.Count > 1) throw new CliException("Cannot mix '-l', '-a', '-c', '-d'");
        var action = actions.FirstOrDefault() ?? "l";
        var file = a.Operands[0];
        ImgArgs.RequireFile(file);
        var format = a["f"] ?? ImageFormat.Probe(file);
        if (format != "qcow2") throw new CliException($"Could not open '{file}': snapshots need a qcow2 image ({format} has none)");
        using var image = await Qcow2Image.OpenAsync(file, writable: action != "l", ct);
        try
        {
            switch (action)
            {
                case "l":
                    if (image.Snapshots.Count > 0) stdout.Write("Snapshot list:\n" + ImageInfo.SnapshotTable(image.Snapshots));
                    break;
                case "c":
                    await image.CreateSnapshotAsync(a["c"]!, ct);
                    break;
                case "d":
                    await image.DeleteSnapshotAsync(a["d"]!, ct);
                    break;
                case "a":
                    if (image.FindSnapshot(a["a"]!) is null)
                        throw new CliException($"Could not apply snapshot '{a["a"]}': Failed to load snapshot: No such file or directory");
                    await image.ApplySnapshotAsync(a["a"]!, ct);
                    break;
            }
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
        catch (Qcow2CorruptionException e)
        {
            e.Operation ??= action switch
            {
                "c" => $"Could not create snapshot '{a["c"]}'",
                "d" => $"Could not delete snapshot '{a["d"]}'",
                _ => $"Could not apply snapshot '{a["a"]}'",
            };
            throw;
        }
        return 0;
    }
}
