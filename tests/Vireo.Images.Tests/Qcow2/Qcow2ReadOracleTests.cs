using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>Images written by qemu-io with random patterns: Vireo must read exactly what 'qemu-img convert -O raw' produces.</summary>
public class Qcow2ReadOracleTests
{
    public static TheoryData<string, int> Cases()
    {
        var d = new TheoryData<string, int>();
        string[] options =
        [
            "compat=1.1", "compat=0.10", "cluster_size=512", "cluster_size=4096", "cluster_size=2M",
            "refcount_bits=1", "refcount_bits=64", "extended_l2=on", "extended_l2=on,cluster_size=16k",
            "compression_type=zstd", "lazy_refcounts=on", "compat=0.10,cluster_size=4096",
        ];
        var seed = 1;
        foreach (var o in options) d.Add(o, seed++);
        return d;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Vireo_reads_what_qemu_wrote(string options, int seed)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        var img = t["a.qcow2"];
        QemuTools.Img("create", "-f", "qcow2", "-o", options, img, "8M");
        QemuTools.Io(img, "qcow2", RandomOps(seed, 8 << 20, ClusterSize(options), compressedAllowed: true));
        await AssertSameAsQemu(img, t["expected.raw"]);
    }

    [SkippableTheory]
    [InlineData("compat=1.1")]
    [InlineData("compat=0.10")]
    [InlineData("extended_l2=on")]
    public async Task Backing_chains_fall_through_and_zero_clusters_hide_the_backing(string options)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        using var t = new TempDir();
        QemuTools.Img("create", "-f", "raw", t["base.raw"], "6M");
        QemuTools.Io(t["base.raw"], "raw", ["write -P 0x11 0 6M"]);
        QemuTools.Img("create", "-f", "qcow2", "-o", options, "-b", "base.raw", "-F", "raw", t["mid.qcow2"]);
        QemuTools.Io(t["mid.qcow2"], "qcow2", ["write -P 0x22 1M 1M", "write -P 0x23 3M 4k"]);
        // A relative backing name is relative to the overlay's directory, not the current one.
        Directory.CreateDirectory(t["top"]);
        QemuTools.Img("create", "-f", "qcow2", "-o", options, "-b", "../mid.qcow2", "-F", "qcow2", t["top/top.qcow2"], "8M");
        var ops = new List<string> { "write -P 0x33 1536k 64k" };
        if (!options.Contains("0.10")) ops.Add("write -z 0 128k");
        QemuTools.Io(t["top/top.qcow2"], "qcow2", ops);
        await AssertSameAsQemu(t["top/top.qcow2"], t["expected.raw"]);
    }

    internal static async Task AssertSameAsQemu(string image, string expectedRaw)
    {
        QemuTools.Img("convert", "-O", "raw", image, expectedRaw);
        var expected = await File.ReadAllBytesAsync(expectedRaw);
        using var vireo = await ImageOpener.OpenAsync(image);
        Assert.Equal(expected.Length, vireo.VirtualSize);
        var actual = new byte[expected.Length];
        // Odd-sized, unaligned reads exercise cluster and subcluster boundaries.
        var rnd = new Random(7);
        for (var pos = 0; pos < actual.Length;)
        {
            var n = Math.Min(actual.Length - pos, rnd.Next(1, 300_000));
            await vireo.ReadAsync(pos, actual.AsMemory(pos, n));
            pos += n;
        }
        var firstDiff = Array.FindIndex(expected, i => false);
        for (var i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i]) Assert.Fail($"first difference at byte {i}: qemu {expected[i]:x2}, vireo {actual[i]:x2}");
    }

    internal static int ClusterSize(string options)
    {
        var m = System.Text.RegularExpressions.Regex.Match(options, @"cluster_size=(\d+)([kM]?)");
        if (!m.Success) return 65536;
        return int.Parse(m.Groups[1].Value) * (m.Groups[2].Value == "k" ? 1024 : m.Groups[2].Value == "M" ? 1 << 20 : 1);
    }

    /// <summary>
    /// qemu-io commands: compressed cluster writes first (qemu refuses them on allocated clusters),
    /// then patterned writes at odd offsets, zero writes and discards over everything.
    /// </summary>
    internal static List<string> RandomOps(int seed, long size, int clusterSize, bool compressedAllowed)
    {
        var rnd = new Random(seed);
        var ops = new List<string>();
        var clusters = size / clusterSize;
        if (compressedAllowed)
            foreach (var c in Enumerable.Range(0, 6).Select(_ => rnd.NextInt64(0, clusters)).Distinct())
                ops.Add($"write -c -P 0x{rnd.Next(1, 255):x2} {c * clusterSize} {clusterSize}");
        for (var i = 0; i < 24; i++)
        {
            var kind = rnd.Next(8);
            var off = rnd.NextInt64(0, size / 512) * 512;
            if (kind < 5)
                ops.Add($"write -P 0x{rnd.Next(1, 255):x2} {off} {Math.Min(size - off, rnd.Next(1, 400) * 512L)}");
            else
                ops.Add($"{(kind < 7 ? "write -z" : "discard")} {off} {Math.Min(size - off, rnd.Next(1, 200) * 512L)}");
        }
        return ops;
    }
}
