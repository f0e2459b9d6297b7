using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Tools;

/// <summary>compare, measure and dd against qemu-img on the same inputs: same output and exit codes.</summary>
public class ToolsOracleTests
{
    private static Task<(int Exit, string Out, string Err)> Vireo(params string[] args) => VireoImg.RunAsync(args);

    private static async Task Same(params string[] args)
    {
        var q = QemuTools.Run("qemu-img", args);
        var v = await Vireo(args);
        Assert.True(q.Exit == v.Exit, $"qemu-img {string.Join(' ', args)}: exit {q.Exit}, vireo {v.Exit}\n{q.Out}{q.Err}\n{v.Out}{v.Err}");
        Assert.Equal(q.Out, v.Out);
    }

    [SkippableFact]
    public async Task Compare_reports_like_qemu()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["a.qcow2"], "4M");
        QemuTools.Img("create", "-f", "qcow2", t["b.qcow2"], "6M");
        QemuTools.Io(t["a.qcow2"], "qcow2", ["write -P 1 1M 4k"]);
        QemuTools.Io(t["b.qcow2"], "qcow2", ["write -P 1 1M 4k"]);
        await Same("compare", t["a.qcow2"], t["b.qcow2"]);
        await Same("compare", "-s", t["a.qcow2"], t["b.qcow2"]);
        QemuTools.Io(t["b.qcow2"], "qcow2", ["write -P 1 5M 4k"]);
        await Same("compare", t["a.qcow2"], t["b.qcow2"]); // data only in the larger image's tail
        QemuTools.Io(t["b.qcow2"], "qcow2", ["write -P 2 1026k 512"]);
        await Same("compare", t["a.qcow2"], t["b.qcow2"]);
        QemuTools.Img("convert", "-O", "raw", t["a.qcow2"], t["a.raw"]);
        await Same("compare", "-f", "qcow2", "-F", "raw", t["a.qcow2"], t["a.raw"]);
        Assert.Equal(2, (await Vireo("compare", t["a.qcow2"], t["missing.qcow2"])).Exit);
    }

    [SkippableTheory]
    [InlineData("-O", "qcow2", "")]
    [InlineData("-O", "raw", "")]
    [InlineData("-O", "qcow2", "cluster_size=4k,refcount_bits=1")]
    [InlineData("-O", "qcow2", "extended_l2=on")]
    [InlineData("-O", "qcow2", "cluster_size=2M,refcount_bits=64")]
    [InlineData("-O", "qcow2", "preallocation=full")]
    public async Task Measure_gives_qemus_numbers(string flag, string format, string options)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "100M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 3 0 3M", "write -P 4 50M 100k", "write -z 10M 1M"]);
        string[] o = options.Length > 0 ? ["-o", options] : [];
        await Same(["measure", flag, format, .. o, t["src.qcow2"]]);
        await Same(["measure", "--output=json", flag, format, .. o, "--size", "1T"]);
        await Same(["measure", "--output=json", flag, format, .. o, t["src.qcow2"]]);
    }

    [SkippableFact]
    public async Task Map_output_matches_qemu()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "raw", t["base.raw"], "8M");
        QemuTools.Io(t["base.raw"], "raw", ["write -P 1 1M 2M"]);
        QemuTools.Img("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", t["top.qcow2"], "12M");
        QemuTools.Io(t["top.qcow2"], "qcow2", ["write -P 2 0 64k", "write -z 2M 128k", "write -P 3 9M 1M"]);
        QemuTools.Img("create", "-f", "qcow2", t["c.qcow2"], "4M");
        QemuTools.Io(t["c.qcow2"], "qcow2", ["write -c -P 4 1M 64k", "write -P 5 0 64k"]);
        foreach (var img in new[] { t["base.raw"], t["top.qcow2"], t["c.qcow2"] })
        {
            await Same("map", "--output=json", img);
            var q = QemuTools.Run("qemu-img", "map", img);
            var v = await Vireo("map", img);
            Assert.Equal(q.Exit, v.Exit);
            Assert.Equal(q.Out, v.Out);
        }
    }

    [SkippableFact]
    public async Task Dd_copies_like_qemu()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "8M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 5 0 1M", "write -P 6 3M 300k"]);
        Assert.Equal(0, (await Vireo("dd", "if=" + t["src.qcow2"], "of=" + t["v.raw"], "bs=64k", "count=60")).Exit);
        QemuTools.Img("dd", "if=" + t["src.qcow2"], "of=" + t["q.raw"], "bs=64k", "count=60");
        Assert.Equal(File.ReadAllBytes(t["q.raw"]), File.ReadAllBytes(t["v.raw"]));
        Assert.Equal(0, (await Vireo("dd", "-O", "qcow2", "if=" + t["src.qcow2"], "of=" + t["v.qcow2"], "bs=1M")).Exit);
        QemuTools.Img("check", t["v.qcow2"]);
        Assert.Contains("Images are identical", QemuTools.Img("compare", t["src.qcow2"], t["v.qcow2"]));
        Assert.Contains("unrecognized operand", (await Vireo("dd", "if=" + t["src.qcow2"], "bogus=1")).Err);
    }
}

public class ConvertConcatTests
{
    [SkippableFact]
    public async Task Several_sources_are_joined_end_to_end_like_qemu()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["a.qcow2"], "3M");
        QemuTools.Io(t["a.qcow2"], "qcow2", ["write -P 1 1M 1M"]);
        QemuTools.Img("create", "-f", "qcow2", t["b.qcow2"], "1536k");
        QemuTools.Io(t["b.qcow2"], "qcow2", ["write -P 2 0 512k"]);
        QemuTools.Img("convert", "-O", "raw", t["a.qcow2"], t["b.qcow2"], t["q.raw"]);
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(0, await Cli.VireoCli.RunAsync(["img", "convert", "-O", "qcow2", t["a.qcow2"], t["b.qcow2"], t["v.qcow2"]], o, e));
        QemuTools.Img("check", t["v.qcow2"]);
        Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", t["q.raw"], t["v.qcow2"]));
    }
}
