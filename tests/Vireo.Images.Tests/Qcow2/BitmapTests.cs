using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Images.Qcow2;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>
/// Persistent dirty bitmaps made by qemu-img: Vireo shows them as qemu does, keeps them when it writes,
/// and sets their bits as qemu would. qemu-nbd exporting a bitmap is the oracle for the bits.
/// </summary>
public class BitmapTests
{
    private static Task<(int Exit, string Out, string Err)> Vireo(params string[] args) => VireoImg.RunAsync(args);

    /// <summary>64 MiB with data, an enabled bitmap b0 (64 KiB granularity) and a disabled b1 (128 KiB).</summary>
    private static string MakeImage(TempDir t, string name = "bm.qcow2")
    {
        var path = t[name];
        QemuTools.Img("create", "-q", "-f", "qcow2", path, "64M");
        QemuTools.Io(path, "qcow2", ["write -P 1 0 1M"]);
        QemuTools.Img("bitmap", "--add", path, "b0");
        QemuTools.Img("bitmap", "--add", "-g", "128k", "--disable", path, "b1");
        return path;
    }

    /// <summary>The ranges qemu itself reports dirty in the bitmap (qemu-nbd -B, qemu-img map x-dirty-bitmap).</summary>
    private static List<(long Start, long Length)> Dirty(string image, string bitmap, TempDir t)
    {
        var sock = t["nbd-" + Guid.NewGuid().ToString("N")[..8] + ".sock"];
        var psi = new ProcessStartInfo("qemu-nbd") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-r", "-k", sock, "-B", bitmap, "-f", "qcow2", image }) psi.ArgumentList.Add(a);
        using var nbd = Process.Start(psi)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!File.Exists(sock) && !nbd.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.True(File.Exists(sock), "qemu-nbd did not start: " + (nbd.HasExited ? nbd.StandardError.ReadToEnd() : "timeout"));
            var map = QemuTools.Img("map", "--output=json", "--image-opts",
                $"driver=nbd,server.type=unix,server.path={sock},x-dirty-bitmap=qemu:dirty-bitmap:{bitmap}");
            // In this mode qemu reports dirty areas as "data": false.
            return JsonNode.Parse(map)!.AsArray()
                .Where(e => !(bool)e!["data"]!)
                .Select(e => ((long)e!["start"]!, (long)e["length"]!)).ToList();
        }
        finally
        {
            nbd.Kill();
            nbd.WaitForExit();
        }
    }

    private static void AssertCheckClean(string image)
    {
        var check = QemuTools.Run("qemu-img", "check", image);
        Assert.True(check.Exit == 0, $"qemu-img check: {check.Out}{check.Err}");
    }

    [SkippableFact]
    public async Task Info_lists_bitmaps_as_qemu_does_and_check_accepts_them()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t);
        Assert.Equal(QemuTools.Img("info", img), (await Vireo("info", img)).Out);
        var ours = JsonNode.Parse((await Vireo("info", "--output=json", img)).Out)!;
        var theirs = JsonNode.Parse(QemuTools.Img("info", "--output=json", img))!;
        Assert.True(JsonNode.DeepEquals(theirs, ours), $"qemu:\n{theirs}\nvireo:\n{ours}");
        Assert.Equal(QemuTools.Run("qemu-img", "check", img).Out, (await Vireo("check", img)).Out);
    }

    [SkippableFact]
    public async Task Writes_set_the_bits_of_enabled_bitmaps_only_and_keep_the_bitmaps_valid()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t);
        Assert.Empty(Dirty(img, "b0", t));
        using (var q = await Qcow2Image.OpenAsync(img, writable: true))
        {
            await q.WriteAsync(20 * 1024 * 1024 + 100, new byte[] { 1, 2, 3 });        // one granule
            await q.WriteAsync(40L * 1024 * 1024 - 10, new byte[20]);                 // straddles two granules
            await q.WriteZeroesAsync(50L * 1024 * 1024, 3L * 1024 * 1024);           // whole clusters dropped
        }
        AssertCheckClean(img);
        const long M = 1024 * 1024;
        Assert.Equal([(20 * M, 65536L), (40 * M - 65536, 131072L), (50 * M, 3 * M)], Dirty(img, "b0", t));
        Assert.Empty(Dirty(img, "b1", t));
        // Still valid for qemu: listed, enabled, not in use.
        var info = JsonNode.Parse(QemuTools.Img("info", "--output=json", img))!;
        var bitmaps = info["format-specific"]!["data"]!["bitmaps"]!.AsArray();
        Assert.Equal(["auto"], bitmaps[0]!["flags"]!.AsArray().Select(f => (string)f!));
        Assert.Equal(2, bitmaps.Count);
    }

    [SkippableFact]
    public async Task A_large_disk_with_an_empty_bitmap_gets_bitmap_clusters_allocated_and_counted()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["big.qcow2"];
        // 512 B granularity over 1 GiB: 2 Mibit, four bitmap data clusters, none allocated yet.
        QemuTools.Img("create", "-q", "-f", "qcow2", img, "1G");
        QemuTools.Img("bitmap", "--add", "-g", "512", img, "fine");
        using (var q = await Qcow2Image.OpenAsync(img, writable: true))
        {
            await q.WriteAsync(700L * 1024 * 1024 + 512, new byte[1024]);
            await q.WriteAsync(3 * 512, new byte[1]);
        }
        AssertCheckClean(img);
        Assert.Equal([(3 * 512L, 512L), (700L * 1024 * 1024 + 512, 1024L)], Dirty(img, "fine", t));
        var ours = await Vireo("check", img);
        Assert.Equal(QemuTools.Run("qemu-img", "check", img).Out, ours.Out);
        // A repair must not take the bitmap's clusters for leaks.
        Assert.Equal(0, (await Vireo("check", "-r", "all", img)).Exit);
        AssertCheckClean(img);
        Assert.Equal([(3 * 512L, 512L), (700L * 1024 * 1024 + 512, 1024L)], Dirty(img, "fine", t));
    }

    [SkippableFact]
    public async Task Reverting_a_snapshot_marks_everything_dirty()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t);
        QemuTools.Img("snapshot", "-c", "s1", img);
        Assert.Equal(0, (await Vireo("snapshot", "-a", "s1", img)).Exit);
        AssertCheckClean(img);
        Assert.Equal([(0L, 64L * 1024 * 1024)], Dirty(img, "b0", t));
    }

    [SkippableFact]
    public async Task Resize_and_downgrade_refuse_naming_the_bitmaps_and_change_nothing()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t);
        var before = File.ReadAllBytes(img);
        var r = await Vireo("resize", img, "128M");
        Assert.Equal(1, r.Exit);
        Assert.Contains("persistent bitmaps (b0, b1)", r.Err);
        r = await Vireo("amend", "-o", "compat=0.10", img);
        Assert.Equal(1, r.Exit);
        Assert.Contains("persistent bitmaps", r.Err);
        Assert.Equal(before, File.ReadAllBytes(img));
    }

    [SkippableFact]
    public async Task Bitmaps_a_bitmap_unaware_writer_invalidated_are_ignored()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = MakeImage(t);
        // Clear the autoclear bitmaps bit (header offset 88), as a writer that does not know bitmaps must.
        using (var f = File.OpenHandle(img, FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(f, new byte[8], 88);
        var ours = JsonNode.Parse((await Vireo("info", "--output=json", img)).Out)!;
        Assert.Null(ours["format-specific"]!["data"]!["bitmaps"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(QemuTools.Img("info", "--output=json", img)), ours));
    }
}
