namespace Vireo.Images.Tests.Qcow2.Fuzz;

/// <summary>A fuzz case's files: the damaged image and an overlay backed by it.</summary>
public sealed record FuzzFiles(string Image, string Top);

/// <summary>
/// A command that writes to the damaged image, in qemu-img's syntax (the same arguments go to both tools).
/// IMG is the image, TOP the overlay, SRC a clean image to copy in.
/// </summary>
/// <param name="IsRepair">'check -r': only Vireo runs it (qemu-img's repairs can grow files to terabytes, and
/// drop snapshots of images with bitmaps); the result is judged by qemu-img check alone.</param>
/// <param name="WritesNothingFirst">Refusing on a corruption event must leave everything but the corrupt bit as it was.</param>
public sealed record FuzzWriter(string Name, string[] Args, bool IsRepair = false, bool WritesNothingFirst = false)
{
    public string[] Arguments(FuzzFiles files, string source) =>
        Args.Select(a => a switch { "IMG" => files.Image, "TOP" => files.Top, "SRC" => source, _ => a }).ToArray();

    /// <summary>Every writer that applies to the shape, in a fixed order (cases rotate through them).</summary>
    public static List<FuzzWriter> For(ImageShape shape)
    {
        var list = new List<FuzzWriter>
        {
            new("snapshot -c", ["snapshot", "-c", "new", "IMG"], WritesNothingFirst: true),
            new("check -r all", ["check", "-r", "all", "IMG"], IsRepair: true),
            new("resize", ["resize", "IMG", "+16M"], WritesNothingFirst: true),
            new("convert -n", ["convert", "-n", "-O", "qcow2", "SRC", "IMG"]),
            new("commit", ["commit", "TOP"]),
            new("check -r leaks", ["check", "-r", "leaks", "IMG"], IsRepair: true),
        };
        if (shape.HasSnapshot)
        {
            list.Add(new("snapshot -d", ["snapshot", "-d", "s1", "IMG"], WritesNothingFirst: true));
            list.Add(new("snapshot -a", ["snapshot", "-a", "s1", "IMG"], WritesNothingFirst: true));
        }
        if (shape.HasBacking) list.Add(new("rebase", ["rebase", "-b", "", "IMG"]));
        if (shape.CanDowngrade) list.Add(new("amend compat=0.10", ["amend", "-o", "compat=0.10", "IMG"], WritesNothingFirst: true));
        return list;
    }
}
