using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>rebase, commit and amend: the guest-visible content stays what qemu says it was, and qemu-img check stays clean.</summary>
public class ChainOperationTests
{
    private static Task<(int Exit, string Out, string Err)> Vireo(params string[] args) => VireoImg.RunAsync(args);

    private static void Chain(TempDir t)
    {
        QemuTools.Img("create", "-f", "raw", t["old.raw"], "8M");
        QemuTools.Io(t["old.raw"], "raw", ["write -P 1 0 8M"]);
        QemuTools.Img("create", "-f", "qcow2", t["new.qcow2"], "8M");
        QemuTools.Io(t["new.qcow2"], "qcow2", ["write -P 1 0 2M", "write -P 2 4M 4M"]);
        QemuTools.Img("create", "-f", "qcow2", "-b", "old.raw", "-F", "raw", t["top.qcow2"]);
        QemuTools.Io(t["top.qcow2"], "qcow2", ["write -P 3 6M 64k", "write -P 4 100k 10k"]);
        QemuTools.Img("convert", "-O", "raw", t["top.qcow2"], t["before.raw"]);
    }

    [SkippableFact]
    public async Task Safe_rebase_keeps_what_the_guest_sees()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        Chain(t);
        Assert.Equal(0, (await Vireo("rebase", "-b", "new.qcow2", "-F", "qcow2", t["top.qcow2"])).Exit);
        QemuTools.Img("check", t["top.qcow2"]);
        Assert.Contains("backing file: new.qcow2", QemuTools.Img("info", t["top.qcow2"]));
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], t["top.qcow2"]));
        // Rebasing onto nothing copies everything in.
        Assert.Equal(0, (await Vireo("rebase", "-b", "", t["top.qcow2"])).Exit);
        Assert.DoesNotContain("backing file", QemuTools.Img("info", t["top.qcow2"]));
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], t["top.qcow2"]));
    }

    [SkippableFact]
    public async Task Unsafe_rebase_only_changes_the_name()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        Chain(t);
        var before = File.ReadAllBytes(t["top.qcow2"]).Length;
        Assert.Equal(0, (await Vireo("rebase", "-u", "-b", "new.qcow2", "-F", "qcow2", t["top.qcow2"])).Exit);
        QemuTools.Img("check", t["top.qcow2"]);
        Assert.Contains("backing file format: qcow2", QemuTools.Img("info", t["top.qcow2"]));
        Assert.Equal(before, File.ReadAllBytes(t["top.qcow2"]).Length);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Commit_writes_the_overlay_into_its_base(bool keep)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        Chain(t);
        var r = keep ? await Vireo("commit", "-d", t["top.qcow2"]) : await Vireo("commit", t["top.qcow2"]);
        Assert.Equal("Image committed.\n", r.Out);
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", "-F", "raw", t["before.raw"], t["old.raw"]));
        QemuTools.Img("check", t["top.qcow2"]);
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], t["top.qcow2"]));
        var map = QemuTools.Img("map", "--output=json", t["top.qcow2"]);
        Assert.Equal(keep, map.Contains("\"depth\": 0, \"present\": true"));
    }

    /// <summary>A base with a backing file of its own: what the top saw must be what the base shows after the commit.</summary>
    private static void ChainOverBackedBase(TempDir t, string baseSize, string topOptions)
    {
        QemuTools.Img("create", "-f", "qcow2", t["back.qcow2"], "4M");
        QemuTools.Io(t["back.qcow2"], "qcow2", ["write -P 0x55 0 4M"]);
        QemuTools.Img("create", "-f", "qcow2", "-b", "back.qcow2", "-F", "qcow2", t["base.qcow2"], baseSize);
        QemuTools.Img("create", "-f", "qcow2", "-o", topOptions, "-b", "base.qcow2", "-F", "qcow2", t["top.qcow2"], "4M");
        QemuTools.Io(t["top.qcow2"], "qcow2", ["write -P 0x66 4k 4k", "write -P 0x67 2M 4k"]);
        QemuTools.Img("convert", "-O", "raw", t["top.qcow2"], t["before.raw"]);
    }

    [SkippableFact]
    public async Task Commit_of_part_of_a_cluster_keeps_what_the_base_showed_around_it()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        ChainOverBackedBase(t, "4M", "extended_l2=on"); // 4 KiB written into a subcluster: the rest of the base's cluster came from back.qcow2
        Assert.Equal(0, (await Vireo("commit", "-d", t["top.qcow2"])).Exit);
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], t["base.qcow2"]));
        Assert.Contains("No errors were found", QemuTools.Img("check", t["base.qcow2"]));
    }

    [SkippableFact]
    public async Task Commit_into_a_smaller_base_reads_zeros_past_its_old_end_not_its_backing_file()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        ChainOverBackedBase(t, "1M", "compat=1.1"); // past 1M the top read zeros (the end of its backing file)
        Assert.Equal(0, (await Vireo("commit", "-d", t["top.qcow2"])).Exit);
        Assert.Contains("virtual size: 4 MiB", QemuTools.Img("info", t["base.qcow2"]));
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], t["base.qcow2"]));
        Assert.Contains("No errors were found", QemuTools.Img("check", t["base.qcow2"]));
    }

    [SkippableFact]
    public async Task Commit_into_a_qcow2_base_deeper_in_the_chain()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["base.qcow2"], "4M");
        QemuTools.Io(t["base.qcow2"], "qcow2", ["write -P 1 0 4M"]);
        QemuTools.Img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", t["mid.qcow2"]);
        QemuTools.Io(t["mid.qcow2"], "qcow2", ["write -P 2 1M 1M"]);
        QemuTools.Img("create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", t["top.qcow2"]);
        QemuTools.Io(t["top.qcow2"], "qcow2", ["write -P 3 1536k 1M"]);
        QemuTools.Img("convert", "-O", "raw", t["top.qcow2"], t["before.raw"]);
        Assert.Equal(0, (await Vireo("commit", "-b", t["base.qcow2"], t["top.qcow2"])).Exit);
        QemuTools.Img("check", t["base.qcow2"]);
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], t["base.qcow2"]));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Downgrade_expands_zero_clusters(bool withBacking)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        string[] backing = [];
        if (withBacking)
        {
            QemuTools.Img("create", "-f", "raw", t["b.raw"], "4M");
            QemuTools.Io(t["b.raw"], "raw", ["write -P 8 0 4M"]);
            backing = ["-b", "b.raw", "-F", "raw"];
        }
        QemuTools.Img(["create", "-f", "qcow2", .. backing, t["z.qcow2"], "4M"]);
        QemuTools.Io(t["z.qcow2"], "qcow2", ["write -P 1 0 1M", "write -z 256k 128k", "write -z 2M 1M"]);
        QemuTools.Img("convert", "-O", "raw", t["z.qcow2"], t["before.raw"]);
        Assert.Equal(0, (await Vireo("amend", "-o", "compat=0.10", t["z.qcow2"])).Exit);
        Assert.Contains("compat: 0.10", QemuTools.Img("info", t["z.qcow2"]));
        QemuTools.Img("check", t["z.qcow2"]);
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["before.raw"], t["z.qcow2"]));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Downgrade_expands_zero_clusters_inside_snapshots_too(bool withBacking)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        string[] backing = [];
        if (withBacking)
        {
            QemuTools.Img("create", "-f", "raw", t["b.raw"], "4M");
            QemuTools.Io(t["b.raw"], "raw", ["write -P 8 0 4M"]);
            backing = ["-b", "b.raw", "-F", "raw"];
        }
        QemuTools.Img(["create", "-f", "qcow2", .. backing, t["z.qcow2"], "4M"]);
        // s1 shares its L2 table with the active layer; s2 holds a preallocated zero cluster (zero flag with an offset).
        QemuTools.Io(t["z.qcow2"], "qcow2", ["write -P 1 0 1M", "write -z 256k 128k"]);
        QemuTools.Img("snapshot", "-c", "s1", t["z.qcow2"]);
        QemuTools.Io(t["z.qcow2"], "qcow2", ["write -z 512k 64k", "write -P 2 3M 64k"]);
        QemuTools.Img("snapshot", "-c", "s2", t["z.qcow2"]);
        QemuTools.Io(t["z.qcow2"], "qcow2", ["write -P 3 0 64k", "write -z 3M 64k"]);
        var before = new Dictionary<string, string>();
        foreach (var snap in new[] { "s1", "s2", "" })
        {
            before[snap] = t[$"before-{snap}.raw"];
            string[] src = snap == "" ? [t["z.qcow2"]] : ["-l", snap, t["z.qcow2"]];
            QemuTools.Img(["convert", "-O", "raw", .. src, before[snap]]);
        }
        Assert.Equal(0, (await Vireo("amend", "-o", "compat=0.10", t["z.qcow2"])).Exit);
        Assert.Contains("compat: 0.10", QemuTools.Img("info", t["z.qcow2"]));
        Assert.Contains("No errors were found", QemuTools.Img("check", t["z.qcow2"]));
        foreach (var (snap, raw) in before)
        {
            var after = t[$"after-{snap}.raw"];
            string[] src = snap == "" ? [t["z.qcow2"]] : ["-l", snap, t["z.qcow2"]];
            QemuTools.Img(["convert", "-O", "raw", .. src, after]);
            Assert.Equal(File.ReadAllBytes(raw), File.ReadAllBytes(after));
        }
    }

    [SkippableFact]
    public async Task Amend_compat_and_lazy_refcounts()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", "-o", "compat=0.10", t["a.qcow2"], "4M");
        QemuTools.Io(t["a.qcow2"], "qcow2", ["write -P 9 0 1M"]);
        Assert.Equal(0, (await Vireo("amend", "-o", "compat=1.1,lazy_refcounts=on", t["a.qcow2"])).Exit);
        var info = QemuTools.Img("info", t["a.qcow2"]);
        Assert.Contains("compat: 1.1", info);
        Assert.Contains("lazy refcounts: true", info);
        QemuTools.Img("check", t["a.qcow2"]);
        QemuTools.Io(t["a.qcow2"], "qcow2", ["read -P 9 0 1M"]);
        Assert.Equal(0, (await Vireo("amend", "-o", "lazy_refcounts=off,compat=0.10", t["a.qcow2"])).Exit);
        Assert.Contains("compat: 0.10", QemuTools.Img("info", t["a.qcow2"]));
        QemuTools.Img("check", t["a.qcow2"]);
        // refcount_bits: every width qemu reads back clean, and a width too small for a snapshot is refused untouched.
        Assert.Equal(0, (await Vireo("amend", "-o", "compat=1.1", t["a.qcow2"])).Exit);
        QemuTools.Img("snapshot", "-c", "s", t["a.qcow2"]);
        foreach (var bits in new[] { 64, 2, 8, 16 })
        {
            Assert.Equal(0, (await Vireo("amend", "-o", $"refcount_bits={bits}", t["a.qcow2"])).Exit);
            Assert.Contains($"refcount bits: {bits}", QemuTools.Img("info", t["a.qcow2"]));
            QemuTools.Img("check", t["a.qcow2"]);
        }
        var tooNarrow = await Vireo("amend", "-o", "refcount_bits=1", t["a.qcow2"]);
        Assert.Equal(1, tooNarrow.Exit);
        Assert.Contains("more than refcount_bits=1 can hold", tooNarrow.Err);
        QemuTools.Img("check", t["a.qcow2"]);
        QemuTools.Io(t["a.qcow2"], "qcow2", ["read -P 9 0 1M"]);
        var bad = await Vireo("amend", "-o", "cluster_size=4096", t["a.qcow2"]);
        Assert.Equal(1, bad.Exit);
        Assert.Contains("Changing the cluster_size option is not supported", bad.Err);
    }
}
