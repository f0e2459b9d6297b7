using Vireo.Images.Tests.Oracle;
using static Vireo.Images.Tests.Oracle.Qcow2Bytes;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>
/// Writes that would land on metadata (because the refcounts lie, or an L2 entry points at metadata) are
/// refused as qemu-img refuses them: a corruption event, the corrupt bit set, and nothing else written.
/// </summary>
public class OverlapCheckTests
{
    private const string HeaderOverlap =
        "qcow2: Marking image as corrupt: Preventing invalid write on metadata (overlaps with qcow2_header); further corruption events will be suppressed";

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>64 MiB, 1 MiB of data, snapshot s1, then 128 KiB rewritten (so s1 and the active layer differ).</summary>
    private static byte[] WithSnapshot(TempDir t, string options = "compat=1.1")
    {
        var path = t["fresh.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", "-o", options, path, "64M");
        QemuTools.Io(path, "qcow2", ["write -P 0x42 0 1M"]);
        QemuTools.Img("snapshot", "-c", "s1", path);
        QemuTools.Io(path, "qcow2", ["write -P 0x43 0 128k"]);
        return File.ReadAllBytes(path);
    }

    private static byte[] ZeroedRefcountBlock(byte[] image)
    {
        var b = (byte[])image.Clone();
        Array.Clear(b, (int)RefBlock(b), ClusterSize(b));
        return b;
    }

    private static byte[] WithCorruptBit(byte[] image)
    {
        var b = (byte[])image.Clone();
        Put64(b, 72, U64(b, 72) | 2);
        return b;
    }

    private static async Task<(int Exit, string Out, string Err)> Vireo(params string[] args)
    {
        using var cts = new CancellationTokenSource(Bound);
        return await VireoImg.RunAsync(cts.Token, args);
    }

    [SkippableFact]
    public async Task Snapshot_create_on_a_zeroed_refcount_block_is_refused_as_qemu_img_refuses_it()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var damaged = ZeroedRefcountBlock(WithSnapshot(t));
        File.WriteAllBytes(t["q.qcow2"], damaged);
        File.WriteAllBytes(t["v.qcow2"], damaged);

        var q = QemuTools.Run("qemu-img", "snapshot", "-c", "s2", t["q.qcow2"]);
        var v = await Vireo("snapshot", "-c", "s2", t["v.qcow2"]);

        Assert.NotEqual(0, q.Exit);
        Assert.StartsWith(HeaderOverlap + "\n", q.Err);
        Assert.Equal(1, v.Exit);
        Assert.Equal($"{HeaderOverlap}\nvireo img: Could not create snapshot 's2': Input/output error\n", v.Err);
        // The corrupt bit and nothing else: byte for byte what qemu-img leaves.
        Assert.Equal(WithCorruptBit(damaged), File.ReadAllBytes(t["v.qcow2"]));
        Assert.Equal(File.ReadAllBytes(t["q.qcow2"]), File.ReadAllBytes(t["v.qcow2"]));
    }

    [SkippableFact]
    public async Task A_corrupt_image_refuses_writes_until_check_repairs_it_and_clears_the_bit()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["v.qcow2"];
        File.WriteAllBytes(img, ZeroedRefcountBlock(WithSnapshot(t)));
        QemuTools.Img("convert", "-O", "raw", t["fresh.qcow2"], t["before.raw"]);
        Assert.Equal(1, (await Vireo("snapshot", "-c", "s2", img)).Exit);

        var again = await Vireo("resize", img, "+1G");
        Assert.Equal(1, again.Exit);
        Assert.Contains($"Could not open '{img}': qcow2: Image is corrupt; cannot be opened read/write", again.Err);

        var repair = await Vireo("check", "-r", "all", img);
        Assert.True(repair.Exit == 0, repair.Out + repair.Err);
        Assert.False(CorruptBit(File.ReadAllBytes(img)));
        Assert.Contains("No errors were found on the image.", QemuTools.Img("check", img));
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], img));
        Assert.Equal(0, (await Vireo("snapshot", "-c", "s2", img)).Exit);
        Assert.Contains("No errors were found on the image.", QemuTools.Img("check", img));
    }

    public static TheoryData<string, string[]> Writers() => new()
    {
        { "snapshot create", ["snapshot", "-c", "s2", "IMG"] },
        { "snapshot delete", ["snapshot", "-d", "s1", "IMG"] },
        { "snapshot apply", ["snapshot", "-a", "s1", "IMG"] },
        { "resize", ["resize", "IMG", "+1G"] },
        { "convert onto", ["convert", "-n", "-O", "qcow2", "SRC", "IMG"] },
        { "commit into", ["commit", "TOP"] },
    };

    /// <summary>The whole class: every command that writes refuses on the lying refcounts, and writes nothing but the corrupt bit.</summary>
    [SkippableTheory]
    [MemberData(nameof(Writers))]
    public async Task Every_writer_refuses_on_a_zeroed_refcount_block_and_writes_nothing_else(string what, string[] command)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var damaged = ZeroedRefcountBlock(WithSnapshot(t));
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "64M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 0x51 2M 64k"]);
        foreach (var tool in new[] { "q", "v" })
        {
            File.WriteAllBytes(t[$"{tool}.qcow2"], damaged);
            QemuTools.Img("create", "-f", "qcow2", "-u", "-b", $"{tool}.qcow2", "-F", "qcow2", t[$"{tool}-top.qcow2"], "64M");
            QemuTools.Io(t[$"{tool}-top.qcow2"], "qcow2", ["write -P 0x61 4M 64k"]);
        }
        string[] For(string tool) => command.Select(a => a switch
        {
            "IMG" => t[$"{tool}.qcow2"], "SRC" => t["src.qcow2"], "TOP" => t[$"{tool}-top.qcow2"], _ => a,
        }).ToArray();

        var q = QemuTools.Run("qemu-img", For("q"));
        var v = await Vireo(For("v"));

        Assert.True(q.Exit != 0, $"{what}: qemu-img accepted it: {q.Err}");
        Assert.True(v.Exit == 1, $"{what}: exit {v.Exit}: {v.Err}");
        Assert.StartsWith("vireo img: ", v.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        var after = File.ReadAllBytes(t["v.qcow2"]);
        Assert.True(after.SequenceEqual(damaged) || after.SequenceEqual(WithCorruptBit(damaged)), $"{what} wrote more than the corrupt bit");
    }

    [Theory]
    [InlineData(0L, "qcow2_header")]
    [InlineData(0x30000L, "active L1 table")]
    public async Task The_image_builder_refuses_data_on_its_own_metadata(long hostOffset, string what)
    {
        using var t = new TempDir();
        await using var builder = global::Vireo.Images.Qcow2.Qcow2Builder.Create(t["new.qcow2"], new global::Vireo.Images.Qcow2.Qcow2CreateOptions { Size = 1 << 20 });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.WriteAtAsync(hostOffset, new byte[65536]).AsTask());
        Assert.Contains($"would overwrite the {what}", e.Message);
    }

    [SkippableFact]
    public async Task A_write_through_an_L2_entry_pointing_at_a_refcount_block_is_refused()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var path = t["fresh.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", path, "64M");
        QemuTools.Io(path, "qcow2", ["write -P 0x42 0 1M"]);
        var damaged = File.ReadAllBytes(path);
        Put64(damaged, L2(damaged), Copied | (ulong)RefBlock(damaged)); // guest cluster 0 "owns" the refcount block
        File.WriteAllBytes(t["q.qcow2"], damaged);
        File.WriteAllBytes(t["v.qcow2"], damaged);
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "64M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 0x51 0 4k"]);

        var q = QemuTools.Run("qemu-io", "-c", "write -P 0x51 0 4k", t["q.qcow2"]);
        var v = await Vireo("convert", "-n", "--target-is-zero", "-O", "qcow2", t["src.qcow2"], t["v.qcow2"]);

        const string report = "qcow2: Marking image as corrupt: Preventing invalid write on metadata (overlaps with refcount block); further corruption events will be suppressed";
        Assert.StartsWith(report, q.Err);
        Assert.Equal($"{report}\nvireo img: error while writing at byte 0: Input/output error\n", v.Err);
        Assert.Equal(WithCorruptBit(damaged), File.ReadAllBytes(t["v.qcow2"]));
        Assert.Equal(File.ReadAllBytes(t["q.qcow2"]), File.ReadAllBytes(t["v.qcow2"]));
    }

    [SkippableFact]
    public async Task An_invalid_subcluster_bitmap_is_a_corruption_event_on_write_and_an_error_on_read()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var path = t["fresh.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", "-o", "extended_l2=on", path, "64M");
        QemuTools.Io(path, "qcow2", ["write -P 0x11 0 64k"]);
        var damaged = File.ReadAllBytes(path);
        Put64(damaged, L2Entry(damaged, L2(damaged), 0) + 8, 0x1_ffffffffUL); // subcluster 0 both allocated and zero
        File.WriteAllBytes(t["q.qcow2"], damaged);
        File.WriteAllBytes(t["v.qcow2"], damaged);

        var read = await Record.ExceptionAsync(async () =>
        {
            using var image = await ImageOpener.OpenAsync(t["v.qcow2"]);
            await image.ReadAsync(0, new byte[4096]);
        });
        Assert.IsType<InvalidDataException>(read);
        Assert.Contains("Invalid cluster entry found (L2 offset: 0x40000, L2 index: 0)", read!.Message);
        Assert.Equal(damaged, File.ReadAllBytes(t["v.qcow2"]));

        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "64M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 0x51 0 4k"]);
        var q = QemuTools.Run("qemu-io", "-c", "write -P 0x51 0 4k", t["q.qcow2"]);
        var v = await Vireo("convert", "-n", "--target-is-zero", "-O", "qcow2", t["src.qcow2"], t["v.qcow2"]);
        const string report = "qcow2: Marking image as corrupt: Invalid cluster entry found (L2 offset: 0x40000, L2 index: 0); further corruption events will be suppressed";
        Assert.StartsWith(report, q.Err);
        Assert.Equal(1, v.Exit);
        Assert.StartsWith(report + "\n", v.Err);
        Assert.Equal(File.ReadAllBytes(t["q.qcow2"]), File.ReadAllBytes(t["v.qcow2"]));
    }
}
