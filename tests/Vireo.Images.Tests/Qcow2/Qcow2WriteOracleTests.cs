using System.Text.Json.Nodes;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>Images Vireo writes: qemu-img check finds nothing wrong and qemu-img compare says they hold the expected bytes.</summary>
public class Qcow2WriteOracleTests
{
    private static Task<(int Exit, string Out, string Err)> Vireo(params string[] args) => VireoImg.RunAsync(args);

    private static async Task<string> VireoOk(params string[] args)
    {
        var r = await Vireo(args);
        Assert.True(r.Exit == 0, $"vireo img {string.Join(' ', args)} failed: {r.Err}");
        return r.Out;
    }

    [SkippableTheory]
    [InlineData("-o", "compat=1.1")]
    [InlineData("-o", "compat=0.10")]
    [InlineData("-o", "cluster_size=512")]
    [InlineData("-o", "cluster_size=2M")]
    [InlineData("-o", "refcount_bits=1")]
    [InlineData("-o", "refcount_bits=64,lazy_refcounts=on")]
    [InlineData("-o", "extended_l2=on")]
    [InlineData("-o", "compression_type=zstd")]
    [InlineData("-o", "preallocation=metadata")]
    [InlineData("-o", "preallocation=full,cluster_size=4k")]
    [InlineData("-o", "preallocation=falloc")]
    public async Task Created_images_are_clean_and_match_qemu_img_info(string flag, string options)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        await VireoOk("create", "-f", "qcow2", flag, options, t["v.qcow2"], "20M");
        QemuTools.Img("check", t["v.qcow2"]);
        QemuTools.Img("create", "-f", "qcow2", flag, options, t["q.qcow2"], "20M");
        var ours = JsonNode.Parse(await VireoOk("info", "--output=json", t["v.qcow2"]))!.AsObject();
        var theirs = JsonNode.Parse(QemuTools.Img("info", "--output=json", t["v.qcow2"]))!.AsObject();
        Assert.Equal(theirs.ToJsonString(), ours.ToJsonString());
        // Same layout as qemu-img's own image, so the same allocation on disk. The filesystem may spend
        // a block or two on extent metadata for one file and not the other, so actual-size gets 8 KiB.
        var qemuInfo = JsonNode.Parse(QemuTools.Img("info", "--output=json", t["q.qcow2"]))!.AsObject();
        qemuInfo["filename"] = t["v.qcow2"];
        var qemuActual = (long)qemuInfo["actual-size"]!;
        var ourActual = (long)ours["actual-size"]!;
        Assert.True(Math.Abs(qemuActual - ourActual) <= 8192, $"actual-size {ourActual}, qemu-img's own image {qemuActual}");
        qemuInfo["actual-size"] = ourActual;
        Assert.Equal(qemuInfo.ToJsonString(), ours.ToJsonString());
    }

    [SkippableTheory]
    [InlineData("qcow2", "")]
    [InlineData("qcow2", "-c")]
    [InlineData("qcow2", "-c -o compression_type=zstd")]
    [InlineData("qcow2", "-o cluster_size=4096,refcount_bits=2")]
    [InlineData("qcow2", "-o compat=0.10,cluster_size=512")]
    [InlineData("qcow2", "-o extended_l2=on")]
    [InlineData("qcow2", "-c -o refcount_bits=1")]
    [InlineData("raw", "")]
    [InlineData("raw", "-S 0")]
    public async Task Convert_output_is_clean_and_identical_to_the_source(string format, string extra)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        // A source with data, zeros, holes and a backing file, made by qemu.
        QemuTools.Img("create", "-f", "qcow2", t["base.qcow2"], "12M");
        QemuTools.Io(t["base.qcow2"], "qcow2", ["write -P 0x5a 0 3M", "write -P 0x00 4M 1M"]);
        QemuTools.Img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", t["src.qcow2"]);
        var rnd = new Random(42);
        var random = new byte[3 << 20];
        rnd.NextBytes(random);
        File.WriteAllBytes(t["random.bin"], random);
        QemuTools.Io(t["src.qcow2"], "qcow2", ["write -P 0x77 1M 100k", "write -z 2M 512k", "write -P 0x01 11M 1M"]);
        QemuTools.Img("dd", "if=" + t["random.bin"], "of=" + t["rnd.qcow2"], "-O", "qcow2", "bs=1M");
        QemuTools.Img("convert", "-n", "-f", "raw", "-O", "qcow2", t["random.bin"], t["rnd.qcow2"]);
        var args = new List<string> { "convert", "-O", format };
        args.AddRange(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        args.Add(t["src.qcow2"]);
        args.Add(t["out." + format]);
        await VireoOk([.. args]);
        if (format == "qcow2") QemuTools.Img("check", t["out.qcow2"]);
        Assert.Contains("Images are identical", QemuTools.Img("compare", t["src.qcow2"], t["out." + format]));
        if (format == "raw" && extra == "")
        {
            // Zero and unallocated ranges stay holes in the raw output.
            Assert.True(new FileInfo(t["out.raw"]).Length == 12 << 20);
            Assert.True(Images.Info.ImageInfo.ActualSize(t["out.raw"]) < 8 << 20, "raw output should be sparse");
        }
    }

    [SkippableFact]
    public async Task Compressed_convert_of_random_and_repetitive_data()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var data = new byte[4 << 20];
        new Random(3).NextBytes(data.AsSpan(0, 2 << 20));       // incompressible: stored plain
        for (var i = 2 << 20; i < data.Length; i++) data[i] = (byte)(i / 4096); // compressible
        File.WriteAllBytes(t["in.raw"], data);
        foreach (var type in new[] { "zlib", "zstd" })
        {
            await VireoOk("convert", "-f", "raw", "-O", "qcow2", "-c", "-o", "compression_type=" + type, t["in.raw"], t[type + ".qcow2"]);
            QemuTools.Img("check", t[type + ".qcow2"]);
            Assert.Contains("Images are identical", QemuTools.Img("compare", "-f", "raw", "-F", "qcow2", t["in.raw"], t[type + ".qcow2"]));
            Assert.True(new FileInfo(t[type + ".qcow2"]).Length < 3 << 20, $"{type}: compressible half was not compressed");
        }
    }

    [SkippableFact]
    public async Task Raw_create_preallocation_modes()
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        Assert.Equal($"Formatting '{t["off.raw"]}', fmt=raw size=10485760\n", await VireoOk("create", "-f", "raw", t["off.raw"], "10M"));
        await VireoOk("create", "-f", "raw", "-o", "preallocation=full", t["full.raw"], "1M");
        Assert.Equal(0, Images.Info.ImageInfo.ActualSize(t["off.raw"]));
        Assert.InRange(Images.Info.ImageInfo.ActualSize(t["full.raw"]), 1 << 20, (1 << 20) + 65536); // plus any extent blocks
        var ours = JsonNode.Parse(await VireoOk("info", "--output=json", t["off.raw"]))!.ToJsonString();
        Assert.Equal(JsonNode.Parse(QemuTools.Img("info", "--output=json", t["off.raw"]))!.ToJsonString(), ours);
    }

    [SkippableFact]
    public async Task Bad_options_are_refused_and_nothing_is_created()
    {
        using var t = new TempDir();
        var r = await Vireo("create", "-f", "qcow2", "-o", "cluster_size=1000", t["x.qcow2"], "1M");
        Assert.Equal(1, r.Exit);
        Assert.Contains("Cluster size must be a power of two between 512 and 2048k", r.Err);
        Assert.False(File.Exists(t["x.qcow2"]));
        r = await Vireo("create", "-f", "qcow2", t["y.qcow2"], "10X");
        Assert.Contains("Invalid image size specified", r.Err);
        r = await Vireo("create", "-f", "qcow2", "-o", "bogus=1", t["z.qcow2"], "1M");
        Assert.Contains("Invalid parameter 'bogus'", r.Err);
        r = await Vireo("info", t["missing.qcow2"]);
        Assert.Equal(1, r.Exit);
        Assert.Contains("No such file or directory", r.Err);
    }
}
