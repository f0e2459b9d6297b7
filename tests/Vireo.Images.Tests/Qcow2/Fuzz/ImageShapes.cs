using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2.Fuzz;

/// <summary>One fresh image the fuzzer damages: its bytes, and what it holds that commands can act on.</summary>
/// <param name="Top">An overlay of the image (backing file name "img.qcow2", relative) holding data to commit into it.</param>
public sealed record ImageShape(string Name, byte[] Bytes, byte[] Top, bool HasSnapshot, bool HasBacking, bool CanDowngrade);

/// <summary>
/// The images the corruption fuzzer starts from, made once by qemu-img and qemu-io: every structure a
/// writer touches (snapshots, bitmaps, extended L2, compressed clusters, a backing file, small clusters,
/// narrow refcounts, v2), each 16 MiB with data, zero and compressed clusters. Also a data source for
/// 'convert -n' and the backing file the 'backing' shape uses.
/// </summary>
public sealed class ImageShapes : IDisposable
{
    private readonly TempDir _dir = new();

    public IReadOnlyDictionary<string, ImageShape> All { get; } = new Dictionary<string, ImageShape>();

    /// <summary>A 16 MiB qcow2 with data where the shapes have data and elsewhere: what 'convert -n' copies in.</summary>
    public string Source => _dir["source.qcow2"];

    /// <summary>The backing file of the 'backing' shape (referred to by this absolute path).</summary>
    public string BackingFile => _dir["back.qcow2"];

    public ImageShapes()
    {
        if (!QemuTools.Available) return;
        QemuTools.Img("create", "-q", "-f", "qcow2", Source, "16M");
        QemuTools.Io(Source, "qcow2", ["write -P 0x71 1M 192k", "write -P 0x72 9M 64k"]);
        QemuTools.Img("create", "-q", "-f", "qcow2", BackingFile, "16M");
        QemuTools.Io(BackingFile, "qcow2", ["write -P 0x55 0 16M"]);
        var shapes = (Dictionary<string, ImageShape>)All;
        void Add(string name, string options, bool snapshot = false, bool bitmap = false, bool backing = false, bool downgrade = false)
        {
            var path = _dir[$"{name}.qcow2"];
            if (backing) QemuTools.Img("create", "-q", "-f", "qcow2", "-o", options, "-b", BackingFile, "-F", "qcow2", path, "16M");
            else QemuTools.Img("create", "-q", "-f", "qcow2", "-o", options, path, "16M");
            QemuTools.Io(path, "qcow2", ["write -P 0x11 0 1M", "write -P 0x12 3M 300k", "write -z 5M 1M", "write -P 0x13 6M 8k", "write -c -P 0x21 8M 64k"]);
            if (snapshot)
            {
                QemuTools.Img("snapshot", "-c", "s1", path);
                QemuTools.Io(path, "qcow2", ["write -P 0x31 0 128k", "write -z 3M 64k"]);
            }
            if (bitmap)
            {
                QemuTools.Img("bitmap", "--add", path, "b0");
                QemuTools.Io(path, "qcow2", ["write -P 0x41 2M 64k"]);
            }
            var dir = Directory.CreateDirectory(_dir[name]).FullName;
            File.Copy(path, Path.Combine(dir, "img.qcow2"));
            var top = Path.Combine(dir, "top.qcow2");
            QemuTools.Img("create", "-q", "-f", "qcow2", "-b", "img.qcow2", "-F", "qcow2", top, "16M");
            QemuTools.Io(top, "qcow2", ["write -P 0x66 512k 128k", "write -P 0x67 12M 64k"]);
            shapes[name] = new ImageShape(name, File.ReadAllBytes(path), File.ReadAllBytes(top), snapshot, backing, downgrade);
        }
        Add("v3", "compat=1.1", downgrade: true);
        Add("v2-snapshot", "compat=0.10", snapshot: true);
        Add("snapshot", "compat=1.1", snapshot: true, downgrade: true);
        Add("extended-l2", "extended_l2=on", snapshot: true);
        Add("bitmap", "compat=1.1", bitmap: true);
        Add("backing", "compat=1.1", backing: true);
        Add("small-clusters", "cluster_size=4096,refcount_bits=8", snapshot: true, downgrade: true);
        Add("lazy-zstd", "lazy_refcounts=on,compression_type=zstd");
    }

    public void Dispose() => _dir.Dispose();
}
