using System.Buffers.Binary;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>'vireo img check' against 'qemu-img check' on the same images: same findings, output and exit code.</summary>
public class CheckOracleTests
{
    private static Task<(int Exit, string Out, string Err)> Vireo(params string[] args) => VireoImg.RunAsync(args);

    private static void Damage(string path, params (long Cluster, ushort Refcount)[] changes)
    {
        var bytes = File.ReadAllBytes(path);
        var table = (int)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(48));
        var block = (int)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(table));
        foreach (var (c, rc) in changes) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(block + (int)c * 2), rc);
        File.WriteAllBytes(path, bytes);
    }

    private static string MakeImage(TempDir t, string name, string options)
    {
        var path = t[name];
        QemuTools.Img("create", "-f", "qcow2", "-o", options, path, "64M");
        var cs = Qcow2ReadOracleTests.ClusterSize(options);
        QemuTools.Io(path, "qcow2", [$"write -c -P 0x21 {cs * 40} {cs}", "write -P 0x11 0 1M", "write -P 0x12 20M 300k", "write -z 2M 1M"]);
        return path;
    }

    [SkippableTheory]
    [InlineData("compat=1.1")]
    [InlineData("compat=0.10")]
    [InlineData("cluster_size=4096,refcount_bits=2")] // 1-bit refcounts cannot hold a snapshot
    [InlineData("refcount_bits=64")]
    [InlineData("extended_l2=on")]
    [InlineData("compression_type=zstd")]
    public async Task Clean_images_and_images_with_snapshots_check_like_qemu(string options)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t, "a.qcow2", options);
        QemuTools.Img("snapshot", "-c", "s1", img);
        QemuTools.Io(img, "qcow2", ["write -P 0x31 0 128k"]);
        await AssertSameAsQemu(img);
    }

    [SkippableFact]
    public async Task Leaks_corruptions_and_copied_flags_are_found_like_qemu()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t, "d.qcow2", "compat=1.1");
        Damage(img, (3, 2), (6, 0), (7, 2));
        await AssertSameAsQemu(img);
        var r = await Vireo("check", img);
        Assert.Equal(2, r.Exit);
        var leaksOnly = MakeImage(t, "l.qcow2", "compat=1.1");
        Damage(leaksOnly, (3, 3));
        Assert.Equal(3, (await Vireo("check", leaksOnly)).Exit);
        await AssertSameAsQemu(leaksOnly);
    }

    [SkippableTheory]
    [InlineData("leaks")]
    [InlineData("all")]
    public async Task Repair_leaves_an_image_qemu_finds_clean(string mode)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t, "r.qcow2", "compat=1.1");
        Damage(img, mode == "leaks" ? [(3, 2), (200, 0)] : [(3, 2), (6, 0), (7, 3)]);
        QemuTools.Img("convert", "-O", "raw", img, t["before.raw"]);
        var r = await Vireo("check", "-r", mode, img);
        Assert.True(r.Exit == 0, r.Out + r.Err);
        Assert.Contains("Double checking the fixed image now...", r.Out);
        Assert.Contains("No errors were found on the image.", QemuTools.Img("check", img));
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], img));
    }

    [SkippableFact]
    public async Task A_missing_refcount_block_is_rebuilt_with_r_all()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t, "m.qcow2", "compat=1.1");
        QemuTools.Img("convert", "-O", "raw", img, t["before.raw"]);
        var bytes = File.ReadAllBytes(img);
        var table = (int)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(48));
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(table), 0); // the only refcount block is gone
        File.WriteAllBytes(img, bytes);
        await AssertSameAsQemu(img);
        // Like qemu-img: leak repair cannot rebuild, so it stops ("need to rebuild") without touching the image.
        var before = File.ReadAllBytes(img);
        var leaksOnly = await Vireo("check", "-r", "leaks", img);
        Assert.Equal(1, leaksOnly.Exit);
        Assert.Contains("ERROR need to rebuild refcount structures", leaksOnly.Err);
        Assert.Contains("vireo img: Check failed: Input/output error", leaksOnly.Err);
        Assert.Equal(before, File.ReadAllBytes(img));
        var r = await Vireo("check", "-r", "all", img);
        Assert.True(r.Exit == 0, r.Out + r.Err);
        Assert.Contains("Rebuilding refcount structure", r.Err);
        Assert.Contains("No errors were found on the image.", QemuTools.Img("check", img));
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], img));
    }

    [SkippableFact]
    public async Task Raw_images_have_no_checks()
    {
        using var t = new TempDir();
        File.WriteAllBytes(t["x.raw"], new byte[4096]);
        var r = await Vireo("check", t["x.raw"]);
        Assert.Equal(63, r.Exit);
        Assert.Contains("does not support checks", r.Err);
    }

    private static async Task AssertSameAsQemu(string img)
    {
        var q = QemuTools.Run("qemu-img", "check", img);
        var v = await Vireo("check", img);
        Assert.Equal(q.Exit, v.Exit);
        Assert.Equal(q.Out, v.Out);
        Assert.Equal(q.Err, v.Err);
        var qj = QemuTools.Run("qemu-img", "check", "--output=json", img);
        var vj = await Vireo("check", "--output=json", img);
        Assert.Equal(qj.Out, vj.Out);
        Assert.Equal(qj.Exit, vj.Exit);
    }
}
