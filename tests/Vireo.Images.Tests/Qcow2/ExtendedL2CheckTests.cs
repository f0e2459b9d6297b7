using Vireo.Images.Tests.Oracle;
using static Vireo.Images.Tests.Oracle.Qcow2Bytes;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>
/// 'vireo img check' on images with extended L2 entries whose subcluster bitmaps are wrong: the same
/// findings, output (human and JSON), exit codes and repairs as 'qemu-img check', byte for byte.
/// </summary>
public class ExtendedL2CheckTests
{
    /// <summary>
    /// L2 entries of the test image: 0 fully allocated, 2 with subclusters 0-3 allocated, 4 all zero,
    /// 8 compressed, 16 with subclusters 0-1 allocated. Each case rewrites one entry (null keeps a word).
    /// </summary>
    public static TheoryData<string, int, ulong?, ulong?> Damage() => new()
    {
        { "allocated and zero at once", 0, null, 0x1_ffffffffUL },
        { "some subclusters allocated and zero", 2, null, 0xf_0000000fUL },
        { "allocation bits on an unallocated cluster", 1, null, 0x1UL },
        { "allocation bits on an unallocated cluster with COPIED", 1, Copied, 0x3UL },
        { "a compressed cluster with allocation bits", 8, null, 0x1UL },
        { "a compressed cluster with zero bits", 8, null, 0xffffffff_00000000UL },
        { "a compressed cluster with COPIED", 8, 0xc000000000070000UL, null },
        { "reserved bits in the descriptor", 0, 0x8000000000050100UL, null },
        { "an unaligned preallocated zero cluster (repairable)", 4, Copied | 0x60200UL, 0xffffffff_00000000UL },
        { "an unaligned cluster with data", 4, Copied | 0x60200UL, 0xffUL },
    };

    private static byte[] Image(TempDir t)
    {
        var path = t["fresh.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", "-o", "extended_l2=on", path, "64M");
        QemuTools.Io(path, "qcow2", ["write -P 0x11 0 64k", "write -P 0x12 128k 8k", "write -z 256k 64k", "write -c -P 0x33 512k 64k", "write -P 0x44 1M 4k"]);
        return File.ReadAllBytes(path);
    }

    [SkippableTheory]
    [MemberData(nameof(Damage))]
    public async Task Check_and_repair_report_what_qemu_img_reports(string what, int index, ulong? entry, ulong? bitmap)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var bytes = Image(t);
        var at = L2Entry(bytes, L2(bytes), index);
        if (entry is { } e) Put64(bytes, at, e);
        if (bitmap is { } b) Put64(bytes, at + 8, b);
        foreach (var mode in new[] { "", "--output=json", "-r leaks", "-r all" })
        {
            File.WriteAllBytes(t["q.qcow2"], bytes);
            File.WriteAllBytes(t["v.qcow2"], bytes);
            string[] Args(string image) => ["check", .. mode.Split(' ', StringSplitOptions.RemoveEmptyEntries), image];
            var q = QemuTools.Run("qemu-img", Args(t["q.qcow2"]));
            var v = await VireoImg.RunAsync(Args(t["v.qcow2"]));
            var context = $"{what}, check {mode}";
            Assert.True(q.Exit == v.Exit, $"{context}: exit {v.Exit}, qemu-img {q.Exit}\n{v.Err}");
            Assert.Equal(q.Err, v.Err.Replace("v.qcow2", "q.qcow2"));
            Assert.Equal(q.Out, v.Out.Replace("v.qcow2", "q.qcow2"));
            // Repairs leave what qemu-img's repairs leave.
            Assert.Equal(File.ReadAllBytes(t["q.qcow2"]), File.ReadAllBytes(t["v.qcow2"]));
        }
    }

    [SkippableFact]
    public async Task An_invalid_bitmap_makes_check_exit_2_like_qemu_img()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var bytes = Image(t);
        Put64(bytes, L2Entry(bytes, L2(bytes), 0) + 8, 0x1_ffffffffUL);
        File.WriteAllBytes(t["v.qcow2"], bytes);
        var v = await VireoImg.RunAsync("check", t["v.qcow2"]);
        Assert.Equal(2, v.Exit);
        Assert.Equal("ERROR offset=50000: Allocated cluster has corrupted subcluster allocation bitmap\n", v.Err);
        Assert.StartsWith("\n1 errors were found on the image.", v.Out);
    }
}
