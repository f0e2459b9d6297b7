using System.Buffers.Binary;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2;

/// <summary>Damaged images give a clear error naming what is wrong: never a crash, a hang or an unbounded allocation.</summary>
public class DamagedImageTests
{
    private static byte[] Fresh(TempDir t, string options = "compat=1.1")
    {
        var path = t["ok.qcow2"];
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        QemuTools.Img("create", "-f", "qcow2", "-o", options, path, "64M");
        QemuTools.Io(path, "qcow2", ["write -P 0x42 0 1M", "write -P 0x43 32M 64k"]);
        return File.ReadAllBytes(path);
    }

    private static async Task<Exception?> OpenAndReadAll(string path, CancellationToken ct = default)
    {
        try
        {
            using var img = await ImageOpener.OpenAsync(path, ct: ct);
            var buf = new byte[1 << 20];
            for (long pos = 0; pos < Math.Min(img.VirtualSize, 64 << 20); pos += buf.Length)
                await img.ReadAsync(pos, buf, ct);
            await img.MapAsync(0, img.VirtualSize, ct);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException) { return e; }
    }

    public static TheoryData<string, int, ulong, string> HeaderDamage() => new()
    {
        { "huge L1 size", 36, 0xffffffff, "L1 table too large" },
        { "L1 overlapping the header", 40, 0, "overlaps the header" },
        { "L1 past the end", 40, 0x7fff0000, "past the end of the file" },
        { "unaligned L1", 40, 0x30001, "not cluster aligned" },
        { "huge refcount table", 56, 0x100000, "refcount table too large" },
        { "refcount table past the end", 48, 0x7fff0000, "past the end" },
        { "bad cluster bits", 20, 40, "cluster_bits 40" },
        { "unknown version", 4, 9, "unsupported qcow2 version 9" },
        { "too many snapshots", 60, 100000, "too many snapshots" },
        { "unknown incompatible feature", 72, 1UL << 40, "unsupported incompatible features" },
        { "bad header length", 100, 7, "header_length 7" },
        { "virtual size beyond the L1 table", 24, 1UL << 50, "too small for virtual size" },
    };

    [SkippableTheory]
    [MemberData(nameof(HeaderDamage))]
    public async Task Damaged_header_fields_are_named(string what, int field, ulong value, string expected)
    {
        using var t = new TempDir();
        var bytes = Fresh(t);
        var width = field is 4 or 16 or 20 or 32 or 36 or 56 or 60 or 96 or 100 ? 4 : 8;
        if (width == 4) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(field), (uint)value);
        else BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(field), value);
        File.WriteAllBytes(t["bad.qcow2"], bytes);
        var e = await OpenAndReadAll(t["bad.qcow2"]);
        Assert.True(e is InvalidDataException, $"{what}: expected InvalidDataException, got {e?.GetType().Name ?? "nothing"}: {e?.Message}");
        Assert.Contains(expected, e!.Message);
    }

    [SkippableFact]
    public async Task An_end_marker_with_a_length_past_the_header_is_refused_as_qemu_refuses_it()
    {
        using var t = new TempDir();
        var bytes = Fresh(t, "compat=0.10");
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(76), 0x10000); // the end-of-extensions marker (type 0 at 72) claims 64 KiB
        File.WriteAllBytes(t["bad.qcow2"], bytes);
        Assert.Contains("Header extension too large", QemuTools.Run("qemu-img", "info", t["bad.qcow2"]).Err);
        var e = await OpenAndReadAll(t["bad.qcow2"]);
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("runs past the header", e!.Message);
    }

    [SkippableFact]
    public async Task L2_entries_pointing_past_the_end_or_unaligned_are_reported()
    {
        using var t = new TempDir();
        var bytes = Fresh(t);
        var l1 = (int)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(40));
        var l2 = (int)(BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(l1)) & 0x00fffffffffffe00UL);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(l2), (1UL << 63) | 0x0000_7000_0000_0000UL);
        File.WriteAllBytes(t["bad.qcow2"], bytes);
        var e = await OpenAndReadAll(t["bad.qcow2"]);
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("past the end of the file", e!.Message);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(l2), (1UL << 63) | 0x30200UL);
        File.WriteAllBytes(t["bad2.qcow2"], bytes);
        Assert.Contains("unaligned", (await OpenAndReadAll(t["bad2.qcow2"]))!.Message);
    }

    [SkippableFact]
    public async Task Truncated_files_and_bogus_compressed_data_are_errors()
    {
        using var t = new TempDir();
        var bytes = Fresh(t);
        File.WriteAllBytes(t["short.qcow2"], bytes.AsSpan(0, 50).ToArray());
        Assert.IsType<InvalidDataException>(await OpenAndReadAll(t["short.qcow2"]));
        File.WriteAllBytes(t["cut.qcow2"], bytes.AsSpan(0, 0x30008).ToArray());
        Assert.IsType<InvalidDataException>(await OpenAndReadAll(t["cut.qcow2"]));

        QemuTools.Img("create", "-f", "qcow2", t["c.qcow2"], "1M");
        QemuTools.Io(t["c.qcow2"], "qcow2", ["write -c -P 0x11 0 64k"]);
        var c = File.ReadAllBytes(t["c.qcow2"]);
        var dataAt = c.Length - 200; // inside the compressed stream at the end of the file
        for (var i = dataAt; i < c.Length; i++) c[i] ^= 0x5a;
        File.WriteAllBytes(t["c-bad.qcow2"], c);
        var e = await OpenAndReadAll(t["c-bad.qcow2"]);
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("compressed cluster", e!.Message);
    }

    [SkippableFact]
    public async Task Backing_chain_loops_are_refused()
    {
        using var t = new TempDir();
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        QemuTools.Img("create", "-f", "qcow2", t["a.qcow2"], "1M");
        QemuTools.Img("create", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", t["b.qcow2"]);
        QemuTools.Img("rebase", "-u", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", t["a.qcow2"]);
        var e = await OpenAndReadAll(t["b.qcow2"]);
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("loops back", e!.Message);
    }

    [SkippableFact]
    public async Task Bogus_snapshot_table_is_an_error()
    {
        using var t = new TempDir();
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        QemuTools.Img("create", "-f", "qcow2", t["s.qcow2"], "1M");
        QemuTools.Img("snapshot", "-c", "one", t["s.qcow2"]);
        var bytes = File.ReadAllBytes(t["s.qcow2"]);
        var table = (int)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(64));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(table + 36), 0xffff); // extra_data_size
        File.WriteAllBytes(t["s-bad.qcow2"], bytes);
        var e = await OpenAndReadAll(t["s-bad.qcow2"]);
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("snapshot 0", e!.Message);
    }

    /// <summary>Random bit flips in the header, L1 and L2: whatever happens must be a clean exception or a clean read.</summary>
    [SkippableFact]
    public async Task Fuzzed_metadata_never_crashes_or_hangs()
    {
        using var t = new TempDir();
        var original = Fresh(t);
        var rnd = new Random(20261125);
        var l1 = (int)BinaryPrimitives.ReadUInt64BigEndian(original.AsSpan(40));
        var l2 = (int)(BinaryPrimitives.ReadUInt64BigEndian(original.AsSpan(l1)) & 0x00fffffffffffe00UL);
        for (var round = 0; round < 300; round++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = rnd.Next(1, 6); flips > 0; flips--)
            {
                var region = rnd.Next(3);
                var at = region switch { 0 => rnd.Next(0, 112), 1 => l1 + rnd.Next(0, 64), _ => l2 + rnd.Next(0, 256) };
                bytes[at] ^= (byte)(1 << rnd.Next(8));
            }
            var path = t[$"fuzz{round % 4}.qcow2"];
            File.WriteAllBytes(path, bytes);
            // A time bound, not a sleep: the token stops the reads, and the wait, if they do not finish.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Exception? e;
            try { e = await OpenAndReadAll(path, cts.Token).WaitAsync(cts.Token); }
            catch (OperationCanceledException) { throw new Xunit.Sdk.XunitException($"round {round}: reading a fuzzed image did not finish in 30 s"); }
            Assert.True(e is null or InvalidDataException or NotSupportedException or FileNotFoundException,
                $"round {round}: {e?.GetType().Name}: {e?.Message}\n{e?.StackTrace}");
        }
    }
}
