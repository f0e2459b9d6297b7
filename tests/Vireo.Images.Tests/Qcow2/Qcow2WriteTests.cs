using Vireo.Images.Qcow2;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>Writes into existing images, snapshots and resizes: qemu-img check stays clean and qemu reads what a model says.</summary>
public class Qcow2WriteTests
{
    private static Task<(int Exit, string Out, string Err)> Vireo(params string[] args) => VireoImg.RunAsync(args);

    private static void AssertQemuSees(string image, byte[] expected, TempDir t)
    {
        var check = QemuTools.Run("qemu-img", "check", image);
        Assert.True(check.Exit == 0, $"qemu-img check: {check.Out}{check.Err}");
        var raw = t["seen-" + Guid.NewGuid().ToString("N") + ".raw"];
        QemuTools.Img("convert", "-O", "raw", image, raw);
        var seen = File.ReadAllBytes(raw);
        Assert.Equal(expected.Length, seen.Length);
        for (var i = 0; i < seen.Length; i++)
            if (seen[i] != expected[i]) Assert.Fail($"first difference at {i}: expected {expected[i]:x2}, qemu reads {seen[i]:x2}");
        File.Delete(raw);
    }

    [SkippableTheory]
    [InlineData("compat=1.1", false)]
    [InlineData("compat=0.10", false)]
    [InlineData("cluster_size=4096,refcount_bits=1", false)]
    [InlineData("cluster_size=512", false)]
    [InlineData("refcount_bits=64", false)]
    [InlineData("extended_l2=on", true)]
    [InlineData("compression_type=zstd", false)]
    [InlineData("compat=1.1", true)]
    public async Task Random_writes_keep_the_image_consistent(string options, bool withBacking)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        const int size = 12 << 20;
        var model = new byte[size];
        string[] backing = [];
        if (withBacking)
        {
            QemuTools.Img("create", "-f", "raw", t["base.raw"], $"{size}");
            QemuTools.Io(t["base.raw"], "raw", ["write -P 0x99 0 12M"]);
            Array.Fill(model, (byte)0x99);
            backing = ["-b", "base.raw", "-F", "raw"];
        }
        QemuTools.Img(["create", "-f", "qcow2", "-o", options, .. backing, t["w.qcow2"], $"{size}"]);
        var cs = Qcow2ReadOracleTests.ClusterSize(options);
        // Start from qemu's writes (including compressed clusters and zeroes), mirrored in the model.
        QemuTools.Io(t["w.qcow2"], "qcow2", [$"write -c -P 0x21 {cs * 3} {cs}", "write -P 0x22 1M 100k", "write -z 2M 256k"]);
        Array.Fill(model, (byte)0x21, cs * 3, cs);
        Array.Fill(model, (byte)0x22, 1 << 20, 100 << 10);
        Array.Fill(model, (byte)0, 2 << 20, 256 << 10);
        var rnd = new Random(options.GetHashCode() ^ (withBacking ? 1 : 0));
        using (var img = await Qcow2Image.OpenAsync(t["w.qcow2"], writable: true))
        {
            if (withBacking) img.AttachBackingForTest(await ImageOpener.OpenAsync(t["base.raw"], "raw"));
            for (var i = 0; i < 60; i++)
            {
                var off = rnd.Next(0, size - 1);
                var len = Math.Min(size - off, rnd.Next(1, i % 10 == 0 ? 2 << 20 : 70_000));
                var data = new byte[len];
                rnd.NextBytes(data);
                await img.WriteAsync(off, data);
                data.CopyTo(model, off);
            }
            // Vireo reads its own writes before they are flushed.
            var back = new byte[size];
            await img.ReadAsync(0, back);
            Assert.True(back.AsSpan().SequenceEqual(model), "reading back unflushed writes");
        }
        AssertQemuSees(t["w.qcow2"], model, t);
    }

    [SkippableFact]
    public async Task Snapshots_made_by_either_tool_are_used_by_the_other()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["s.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", img, "8M");
        QemuTools.Io(img, "qcow2", ["write -P 0x01 0 2M", "write -c -P 0x02 4M 64k"]);
        QemuTools.Img("convert", "-O", "raw", img, t["v1.raw"]);
        Assert.Equal(0, (await Vireo("snapshot", "-c", "vireo-snap", img)).Exit);
        QemuTools.Io(img, "qcow2", ["write -P 0x03 1M 2M"]);            // qemu writes after our snapshot
        QemuTools.Img("snapshot", "-c", "qemu-snap", img);              // then takes its own
        QemuTools.Img("convert", "-O", "raw", img, t["v2.raw"]);
        using (var w = await Qcow2Image.OpenAsync(img, writable: true))
            await w.WriteAsync(0, new byte[300_000]);                     // we write after qemu's snapshot
        Assert.Contains("qemu-snap", (await Vireo("snapshot", "-l", img)).Out);
        Assert.Contains("vireo-snap", QemuTools.Img("snapshot", "-l", img));
        QemuTools.Img("check", img);

        Assert.Equal(0, (await Vireo("snapshot", "-a", "vireo-snap", img)).Exit);
        AssertQemuSees(img, File.ReadAllBytes(t["v1.raw"]), t);
        QemuTools.Img("snapshot", "-a", "qemu-snap", img);
        AssertQemuSees(img, File.ReadAllBytes(t["v2.raw"]), t);
        Assert.Equal(0, (await Vireo("snapshot", "-d", "qemu-snap", img)).Exit);
        QemuTools.Img("snapshot", "-d", "vireo-snap", img);
        AssertQemuSees(img, File.ReadAllBytes(t["v2.raw"]), t);
        Assert.DoesNotContain("snap", QemuTools.Img("snapshot", "-l", img));
        var missing = await Vireo("snapshot", "-d", "nope", img);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("snapshot not found", missing.Err);
    }

    [SkippableTheory]
    [InlineData("compat=1.1")]
    [InlineData("cluster_size=512")]
    [InlineData("extended_l2=on")]
    public async Task Resize_grows_and_shrinks(string options)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["r.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", "-o", options, img, "4M");
        QemuTools.Io(img, "qcow2", ["write -P 0x44 0 4M"]);
        Assert.Equal("Image resized.\n", (await Vireo("resize", img, "+3G")).Out);
        QemuTools.Img("check", img);
        Assert.Contains($"\"virtual-size\": {(3L << 30) + (4 << 20)}", QemuTools.Img("info", "--output=json", img));
        using (var w = await Qcow2Image.OpenAsync(img, writable: true))
            await w.WriteAsync((3L << 30) + (1 << 20), new byte[] { 1, 2, 3 });
        QemuTools.Img("check", img);
        var shrinkRefused = await Vireo("resize", img, "1M");
        Assert.Equal(1, shrinkRefused.Exit);
        Assert.Contains("--shrink", shrinkRefused.Err);
        Assert.Equal(0, (await Vireo("resize", "--shrink", img, "1M")).Exit);
        var expected = new byte[1 << 20];
        Array.Fill(expected, (byte)0x44);
        AssertQemuSees(img, expected, t);
    }

    [SkippableTheory]
    [InlineData("metadata")]
    [InlineData("falloc")]
    [InlineData("full")]
    public async Task Resize_with_preallocation(string mode)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["p.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", img, "1M");
        QemuTools.Io(img, "qcow2", ["write -P 5 0 100k"]);
        Assert.Equal(0, (await Vireo("resize", "--preallocation=" + mode, img, "+4M")).Exit);
        QemuTools.Img("check", img);
        QemuTools.Io(img, "qcow2", ["read -P 5 0 100k", "read -P 0 100k 4M"]);
        var map = System.Text.Json.Nodes.JsonNode.Parse(QemuTools.Img("map", "--output=json", img))!.AsArray();
        Assert.All(map.Where(e => (long)e!["start"]! >= 1 << 20), e => Assert.True((bool)e!["present"]!, e!.ToJsonString()));
        if (mode != "metadata") Assert.True(Info.ImageInfo.ActualSize(img) > 4 << 20, "data clusters should be allocated on disk");
    }

    [SkippableFact]
    public async Task Raw_resize_and_relative_sizes()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        File.WriteAllBytes(t["a.raw"], new byte[1 << 20]);
        Assert.Equal(0, (await Vireo("resize", "-f", "raw", t["a.raw"], "+1M")).Exit);
        Assert.Equal(2 << 20, new FileInfo(t["a.raw"]).Length);
        Assert.Equal(0, (await Vireo("resize", "-f", "raw", "--shrink", t["a.raw"], "-512K")).Exit);
        Assert.Equal(1536 << 10, new FileInfo(t["a.raw"]).Length);
    }
}

public class Qcow2OpenForWriteTests
{
    [SkippableFact]
    public async Task A_dirty_lazy_refcount_image_is_repaired_before_writing()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["lazy.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", "-o", "lazy_refcounts=on", img, "4M");
        QemuTools.Io(img, "qcow2", ["write -P 7 0 1M"]);
        // Simulate a crash: dirty bit set and one data cluster's refcount never written.
        var bytes = File.ReadAllBytes(img);
        bytes[79] |= 1;
        var table = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(48));
        var block = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(table));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(block + 2 * 8), 0);
        File.WriteAllBytes(img, bytes);
        using (var w = await Qcow2Image.OpenAsync(img, writable: true))
            await w.WriteAsync(2 << 20, new byte[] { 1, 2, 3, 4 });
        Assert.Equal(0, File.ReadAllBytes(img)[79] & 1);
        Assert.Contains("No errors were found", QemuTools.Img("check", img));
        QemuTools.Io(img, "qcow2", ["read -P 7 0 1M"]);
    }

    [SkippableFact]
    public async Task Writing_clears_autoclear_bits_vireo_does_not_maintain_and_keeps_the_bitmaps_bit()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["bm.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", img, "4M");
        QemuTools.Img("bitmap", "--add", img, "b0");
        // An autoclear feature from the future (bit 5) next to the bitmaps bit (bit 0).
        using (var f = File.OpenHandle(img, FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(f, new byte[] { 0x21 }, 95);
        using (var w = await Qcow2Image.OpenAsync(img, writable: true))
            await w.WriteAsync(0, new byte[4096]);
        Assert.Equal(0x01, File.ReadAllBytes(img)[95]);
        Assert.Contains("b0", QemuTools.Img("info", img));
    }
}

public class SubclusterWriteTests
{
    [SkippableFact]
    public async Task Extended_l2_writes_allocate_only_the_touched_subclusters()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "raw", t["b.raw"], "1M");
        QemuTools.Io(t["b.raw"], "raw", ["write -P 7 0 1M"]);
        QemuTools.Img("create", "-f", "qcow2", "-o", "extended_l2=on", "-b", "b.raw", "-F", "raw", t["x.qcow2"]);
        using (var img = (Qcow2Image)await ImageOpener.OpenAsync(t["x.qcow2"], writable: true))
            await img.WriteAsync(2048 + 100, new byte[] { 1, 2, 3 }); // inside subcluster 1 (2 KiB subclusters)
        QemuTools.Img("check", t["x.qcow2"]);
        var map = System.Text.Json.Nodes.JsonNode.Parse(QemuTools.Img("map", "--output=json", t["x.qcow2"]))!.AsArray();
        var own = map.Where(e => (int)e!["depth"]! == 0 && (bool)e!["data"]!).ToList();
        Assert.Single(own);
        Assert.Equal(2048, (long)own[0]!["start"]!);
        Assert.Equal(2048, (long)own[0]!["length"]!);
        QemuTools.Io(t["x.qcow2"], "qcow2", ["read -P 7 0 2148", "read -P 7 2151 1046425"]);
    }
}
