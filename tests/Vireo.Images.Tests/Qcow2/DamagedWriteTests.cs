using Vireo.Images.Tests.Oracle;
using static Vireo.Images.Tests.Oracle.Qcow2Bytes;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>Writers given damaged metadata refuse with a one-line error and leave the file as it was (what the fuzzer found).</summary>
public class DamagedWriteTests
{
    private static byte[] WithSnapshot(TempDir t, string name = "s1")
    {
        var path = t["fresh.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", path, "16M");
        QemuTools.Io(path, "qcow2", ["write -P 0x42 0 1M"]);
        QemuTools.Img("snapshot", "-c", name, path);
        return File.ReadAllBytes(path);
    }

    [SkippableFact]
    public async Task A_snapshot_recording_a_disk_size_its_L1_table_cannot_map_is_not_applied()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var bytes = WithSnapshot(t);
        Put64(bytes, SnapshotTable(bytes) + 48, 1UL << 50); // extra data: disk size
        File.WriteAllBytes(t["v.qcow2"], bytes);
        var r = await VireoImg.RunAsync("snapshot", "-a", "s1", t["v.qcow2"]);
        Assert.Equal(1, r.Exit);
        Assert.Contains("records a disk size of 1125899906842624 bytes, more than its L1 table maps", r.Err);
        Assert.Equal(bytes, File.ReadAllBytes(t["v.qcow2"]));
    }

    [SkippableFact]
    public async Task A_reference_far_past_the_end_of_the_file_is_refused_not_counted()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["fresh.qcow2"], "16M");
        QemuTools.Io(t["fresh.qcow2"], "qcow2", ["write -P 0x42 0 1M"]);
        var bytes = File.ReadAllBytes(t["fresh.qcow2"]);
        Put64(bytes, L2Entry(bytes, L2(bytes), 3), Copied | (1UL << 40)); // a cluster 1 TiB into a 1 MiB file
        File.WriteAllBytes(t["v.qcow2"], bytes);
        var r = await VireoImg.RunAsync("snapshot", "-c", "s1", t["v.qcow2"]);
        Assert.Equal(1, r.Exit);
        Assert.Contains("references 0x10000000000, past the end of the file", r.Err);
        // Counting it would have laid refcount structures a terabyte out.
        Assert.Equal(bytes.Length, new FileInfo(t["v.qcow2"]).Length);
        Assert.Equal(bytes, File.ReadAllBytes(t["v.qcow2"]));
    }

    [SkippableFact]
    public async Task Names_read_from_a_damaged_image_cannot_break_the_error_line()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var bytes = WithSnapshot(t, "a\nb");
        Put64(bytes, SnapshotTable(bytes), 0x200); // the snapshot's L1 table is misaligned
        File.WriteAllBytes(t["v.qcow2"], bytes);
        var r = await VireoImg.RunAsync("snapshot", "-d", "a\nb", t["v.qcow2"]);
        Assert.Equal(1, r.Exit);
        Assert.Equal("vireo img: qcow2: snapshot 'a\\x0ab' has an invalid L1 table\n", r.Err);
    }
}
