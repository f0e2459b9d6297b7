using static Vireo.Images.Tests.Oracle.Qcow2Bytes;

namespace Vireo.Images.Tests.Qcow2.Fuzz;

/// <summary>A damaged image: its bytes and what was done to them (to reproduce a failure).</summary>
public sealed record DamagedImage(string What, byte[] Bytes);

/// <summary>
/// Metadata damage for the fuzzer: chosen cases that break one invariant each (the refcounts lie, a table
/// points at other metadata, a subcluster bitmap is impossible), and seeded random damage (bit flips,
/// overwritten entries, zeroed bytes) inside the metadata regions of an image.
/// </summary>
public static class Damage
{
    /// <summary>Where an image's metadata lies: (offset, length, name) of every region worth damaging.</summary>
    public static List<(long Offset, int Length, string Name)> Regions(byte[] b)
    {
        var cs = ClusterSize(b);
        var r = new List<(long, int, string)> { (0, 104, "header"), (L1(b), (int)Math.Min(U32(b, 36) * 8L, cs), "L1 table"), (RefTable(b), 64, "refcount table") };
        for (var i = 0; i < U32(b, 36); i++)
            if (L2(b, i) is var l2 and > 0 && l2 + cs <= b.Length) r.Add((l2, cs, $"L2 table {i}"));
        for (var i = 0; i < 8; i++)
            if (RefBlock(b, i) is var rb and > 0 && rb + cs <= b.Length) r.Add((rb, Math.Min(cs, 4096), $"refcount block {i}"));
        foreach (var (entry, l1, size) in Snapshots(b))
        {
            r.Add((entry, 64, "snapshot table entry"));
            if (l1 > 0 && size > 0 && l1 + size * 8 <= b.Length) r.Add((l1, (int)size * 8, "snapshot L1 table"));
        }
        if (BitmapDirectory(b) is { } dir)
        {
            r.Add((dir.Offset, dir.Size, "bitmap directory"));
            var table = (long)U64(b, dir.Offset);
            if (table > 0 && table + 8 <= b.Length) r.Add((table, 8, "bitmap table"));
        }
        return r;
    }

    /// <summary>The snapshot table entries: (entry offset, L1 offset, L1 entries), as far as they lie inside the file.</summary>
    public static List<(long Entry, long L1, long L1Size)> Snapshots(byte[] b)
    {
        var list = new List<(long, long, long)>();
        var at = SnapshotTable(b);
        for (var i = 0; i < U32(b, 60) && at > 0 && at + 40 <= b.Length; i++)
        {
            list.Add((at, (long)U64(b, at), U32(b, at + 8)));
            at += (40 + U32(b, at + 36) + (b[at + 12] << 8 | b[at + 13]) + (b[at + 14] << 8 | b[at + 15]) + 7) & ~7L;
        }
        return list;
    }

    /// <summary>The bitmap directory from the bitmaps header extension, if the image has one.</summary>
    public static (long Offset, int Size)? BitmapDirectory(byte[] b)
    {
        if (U32(b, 4) < 3) return null;
        for (long at = U32(b, 100); at + 8 <= Math.Min(b.Length, ClusterSize(b));)
        {
            var type = U32(b, at);
            var length = U32(b, at + 4);
            if (type == 0) return null;
            if (type == 0x23852875 && length == 24) return ((long)U64(b, at + 24), (int)U64(b, at + 16));
            at += 8 + ((length + 7) & ~7u);
        }
        return null;
    }

    /// <summary>One invariant broken at a time, as far as the image has the structure.</summary>
    public static IEnumerable<DamagedImage> Chosen(ImageShape shape)
    {
        var b0 = shape.Bytes;
        var cs = ClusterSize(b0);
        DamagedImage Make(string what, Action<byte[]> damage)
        {
            var b = (byte[])b0.Clone();
            damage(b);
            return new DamagedImage(what, b);
        }
        var bits = U32(b0, 4) < 3 ? 16 : 1 << (int)U32(b0, 96); // the shapes use 8 or 16
        long RefcountAt(long cluster) => RefBlock(b0) + cluster * bits / 8;
        ulong Refcount(byte[] b, long cluster) => bits == 8 ? b[RefcountAt(cluster)] : (ulong)(b[RefcountAt(cluster)] << 8 | b[RefcountAt(cluster) + 1]);
        void SetRefcount(byte[] b, long cluster, ulong value)
        {
            var at = RefcountAt(cluster);
            if (bits == 8) b[at] = (byte)value;
            else { b[at] = (byte)(value >> 8); b[at + 1] = (byte)value; }
        }
        yield return Make("zeroed refcount block", b => Array.Clear(b, (int)RefBlock(b), cs));
        yield return Make("refcount table entry cleared", b => Put64(b, RefTable(b), 0));
        yield return Make("refcount of the active L1 table is 0", b => SetRefcount(b, L1(b) / cs, 0));
        yield return Make("refcount of the first L2 table is 0", b => SetRefcount(b, L2(b) / cs, 0));
        yield return Make("L1 entry points at the refcount block", b => Put64(b, L1(b), Copied | (ulong)RefBlock(b)));
        yield return Make("L2 entry points at the L1 table", b => Put64(b, L2Entry(b, L2(b), 0), Copied | (ulong)L1(b)));
        yield return Make("L2 entry points at the header", b => Put64(b, L2Entry(b, L2(b), 1), Copied));
        yield return Make("refcount table entry points at the L1 table", b => Put64(b, RefTable(b) + 8, (ulong)L1(b)));
        for (long c = 1; c < b0.Length / cs; c++)
            if (Refcount(b0, c) == 0)
            {
                yield return Make($"cluster {c} counted but unused (a leak)", b => SetRefcount(b, c, 1));
                break;
            }
        if (shape.HasSnapshot && Snapshots(b0) is [var sn, ..])
            yield return Make("snapshot L1 points at the active L1", b => Put64(b, sn.Entry, (ulong)L1(b)));
        if (ExtendedL2(b0))
        {
            yield return Make("subcluster allocated and zero", b => Put64(b, L2Entry(b, L2(b), 0) + 8, 0x1_ffffffffUL));
            yield return Make("allocation bits on an unallocated cluster", b => Put64(b, L2Entry(b, L2(b), 1) + 8, 0x3UL));
        }
        if (BitmapDirectory(b0) is { } dir)
            yield return Make("bitmap table points at the L1 table", b => Put64(b, dir.Offset, (ulong)L1(b)));
    }

    /// <summary>Seeded random damage: 1 to 3 bit flips, overwritten 8-byte entries or zeroed bytes inside metadata.</summary>
    public static DamagedImage Random(ImageShape shape, int seed)
    {
        var rnd = new Random(seed);
        var b = (byte[])shape.Bytes.Clone();
        var regions = Regions(b);
        var cs = ClusterSize(b);
        var what = new List<string>();
        for (var n = rnd.Next(1, 4); n > 0; n--)
        {
            var (offset, length, name) = regions[rnd.Next(regions.Count)];
            var at = offset + rnd.Next(Math.Max(1, length));
            switch (rnd.Next(3))
            {
                case 0:
                    b[at] ^= (byte)(1 << rnd.Next(8));
                    what.Add($"bit flip at 0x{at:x} ({name})");
                    break;
                case 1:
                    at &= ~7L;
                    var value = rnd.Next(3) switch
                    {
                        0 => 0UL,
                        1 => (ulong)rnd.NextInt64() ^ ((ulong)rnd.Next() << 63),
                        _ => (ulong)(rnd.NextInt64(0, b.Length + cs) & ~511L) | (rnd.Next(2) == 0 ? Copied : 0),
                    };
                    Put64(b, at, value);
                    what.Add($"0x{value:x} written at 0x{at:x} ({name})");
                    break;
                default:
                    b[at] = 0;
                    what.Add($"zero at 0x{at:x} ({name})");
                    break;
            }
        }
        return new DamagedImage(string.Join(", ", what), b);
    }
}
