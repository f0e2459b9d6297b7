using System.Text.Json.Nodes;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

public class ConvertOntoTests
{
    private static Task<(int Exit, string Out, string Err)> Vireo(params string[] args) => VireoImg.RunAsync(args);

    [SkippableTheory]
    [InlineData("compat=1.1")]
    [InlineData("compat=0.10")]
    public async Task Convert_with_a_new_backing_file_keeps_zero_ranges_zero(string compat)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["base.qcow2"], "8M");
        QemuTools.Io(t["base.qcow2"], "qcow2", ["write -P 1 0 8M"]);
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "8M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 2 1M 1M", "write -P 3 7M 4k"]);
        var r = await Vireo("convert", "-O", "qcow2", "-o", compat, "-B", "base.qcow2", t["src.qcow2"], t["out.qcow2"]);
        Assert.True(r.Exit == 0, r.Err);
        QemuTools.Img("check", t["out.qcow2"]);
        Assert.Contains("backing file: base.qcow2", QemuTools.Img("info", t["out.qcow2"]));
        Assert.Contains("Images are identical", QemuTools.Img("compare", t["src.qcow2"], t["out.qcow2"]));
        Assert.Contains("Backing file not supported", (await Vireo("convert", "-O", "raw", "-B", "base.qcow2", t["src.qcow2"], t["x.raw"])).Err);
    }

    [SkippableTheory]
    [InlineData("raw", "1")]
    [InlineData("raw", "16")]
    [InlineData("qcow2", "1")]
    [InlineData("qcow2", "16")]
    public async Task Out_of_order_writes_and_request_counts_give_the_same_image(string format, string requests)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "24M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 2 1M 5M", "write -P 3 9M 64k", "write -P 4 12M 11M"]);
        foreach (var w in new[] { "in-order", "-W" })
        {
            var dst = t[$"out{w}.{format}"];
            string[] flag = w == "-W" ? ["-W"] : [];
            var r = await Vireo(["convert", "-m", requests, .. flag, "-O", format, t["src.qcow2"], dst]);
            Assert.True(r.Exit == 0, r.Err);
            if (format == "qcow2") QemuTools.Img("check", dst);
            Assert.Contains("Images are identical", QemuTools.Img("compare", t["src.qcow2"], dst));
        }
    }

    [SkippableTheory]
    [InlineData("0", "Invalid number of coroutines. Allowed number of coroutines is between 1 and 16")]
    [InlineData("17", "Invalid number of coroutines. Allowed number of coroutines is between 1 and 16")]
    [InlineData("x", "Invalid number of coroutines. Allowed number of coroutines is between 1 and 16")]
    public async Task Bad_request_counts_and_compressed_out_of_order_writes_are_refused(string requests, string message)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "1M");
        var r = await Vireo("convert", "-m", requests, "-O", "raw", t["src.qcow2"], t["out.raw"]);
        Assert.Equal(1, r.Exit);
        Assert.Contains(message, r.Err);
        Assert.Equal(QemuTools.Run("qemu-img", "convert", "-m", requests, "-O", "raw", t["src.qcow2"], t["q.raw"]).Exit, r.Exit);
        r = await Vireo("convert", "-c", "-W", "-O", "qcow2", t["src.qcow2"], t["out.qcow2"]);
        Assert.Equal(1, r.Exit);
        Assert.Contains("Out of order write and compress are mutually exclusive", r.Err);
        Assert.False(File.Exists(t["out.raw"]) || File.Exists(t["out.qcow2"]));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Convert_into_an_existing_qcow2(bool targetIsZero)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "qcow2", t["src.qcow2"], "8M");
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 2 1M 1M", "write -c -P 3 4M 64k"]);
        QemuTools.Img("create", "-f", "qcow2", t["dst.qcow2"], "8M");
        if (!targetIsZero) QemuTools.Io(t["dst.qcow2"], "qcow2", ["write -P 9 0 8M"]);
        string[] extra = targetIsZero ? ["--target-is-zero"] : [];
        var r = await Vireo(["convert", "-n", "-O", "qcow2", .. extra, t["src.qcow2"], t["dst.qcow2"]]);
        Assert.True(r.Exit == 0, r.Err);
        QemuTools.Img("check", t["dst.qcow2"]);
        Assert.Contains("Images are identical", QemuTools.Img("compare", t["src.qcow2"], t["dst.qcow2"]));
    }

    [SkippableFact]
    public async Task Info_json_matches_qemu_for_snapshots_chains_and_old_formats()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "raw", t["base.raw"], "3M");
        QemuTools.Img("create", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4k", "-b", "base.raw", "-F", "raw", t["mid.qcow2"]);
        QemuTools.Img("create", "-f", "qcow2", "-o", "extended_l2=on,compression_type=zstd", "-b", "mid.qcow2", "-F", "qcow2", t["top.qcow2"], "5M");
        QemuTools.Io(t["top.qcow2"], "qcow2", ["write -P 1 0 1M"]);
        QemuTools.Img("snapshot", "-c", "first", t["top.qcow2"]);
        QemuTools.Img("snapshot", "-c", "second", t["top.qcow2"]);
        foreach (var img in new[] { t["base.raw"], t["mid.qcow2"], t["top.qcow2"] })
        {
            var q = JsonNode.Parse(QemuTools.Img("info", "--output=json", img))!.ToJsonString();
            var v = JsonNode.Parse((await Vireo("info", "--output=json", img)).Out)!.ToJsonString();
            Assert.Equal(q, v);
            Assert.Equal(QemuTools.Img("info", img), (await Vireo("info", img)).Out);
        }
        var qc = JsonNode.Parse(QemuTools.Img("info", "--output=json", "--backing-chain", t["top.qcow2"]))!.ToJsonString();
        var vc = JsonNode.Parse((await Vireo("info", "--output=json", "--backing-chain", t["top.qcow2"])).Out)!.ToJsonString();
        Assert.Equal(qc, vc);
    }
}
