using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Qcow2;

/// <summary>One entry of the persistent bitmap directory (qcow2.txt, "Bitmaps extension").</summary>
public sealed record Qcow2Bitmap(string Name, ulong TableOffset, uint TableSize, uint Flags, byte Type, byte GranularityBits, byte[] ExtraData)
{
    public const uint FlagInUse = 1u << 0;
    public const uint FlagAuto = 1u << 1;
    public const uint FlagExtraDataCompatible = 1u << 2;

    public bool InUse => (Flags & FlagInUse) != 0;
    /// <summary>"auto": the bitmap is enabled and tracks every write.</summary>
    public bool Auto => (Flags & FlagAuto) != 0;
    public long Granularity => 1L << GranularityBits;

    /// <summary>Entries the bitmap table needs for an image of this size and cluster size.</summary>
    public static long TableEntriesFor(long virtualSize, long granularity, long clusterSize)
    {
        var bits = (virtualSize + granularity - 1) / granularity;
        var bitsPerCluster = clusterSize * 8;
        return (bits + bitsPerCluster - 1) / bitsPerCluster;
    }

    internal int EntryLength => (24 + ExtraData.Length + Encoding.UTF8.GetByteCount(Name) + 7) & ~7;
}

/// <summary>The bitmaps header extension and the directory it points to.</summary>
public static class Qcow2BitmapDirectory
{
    public const int MaxBitmaps = 65535;
    public const long MaxDirectorySize = 64L * 1024 * 1024;

    public readonly record struct Extension(uint Count, ulong DirectorySize, ulong DirectoryOffset);

    public static Extension ParseExtension(byte[] data)
    {
        if (data.Length < 24) throw new InvalidDataException("qcow2: the bitmaps header extension is shorter than 24 bytes");
        var e = new Extension(BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(8)),
            BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(16)));
        if (e.Count == 0 || e.Count > MaxBitmaps) throw new InvalidDataException($"qcow2: the bitmaps extension lists {e.Count} bitmaps (1 to {MaxBitmaps} allowed)");
        if (e.DirectorySize == 0 || e.DirectorySize > MaxDirectorySize)
            throw new InvalidDataException($"qcow2: the bitmap directory size {e.DirectorySize} is out of range");
        return e;
    }

    public static byte[] FormatExtension(Extension e)
    {
        var data = new byte[24];
        BinaryPrimitives.WriteUInt32BigEndian(data, e.Count);
        BinaryPrimitives.WriteUInt64BigEndian(data.AsSpan(8), e.DirectorySize);
        BinaryPrimitives.WriteUInt64BigEndian(data.AsSpan(16), e.DirectoryOffset);
        return data;
    }

    /// <summary>Parses and checks the directory against the image; every problem names the bitmap.</summary>
    public static List<Qcow2Bitmap> Parse(ReadOnlySpan<byte> dir, uint count, Qcow2Header h, long fileLength)
    {
        var list = new List<Qcow2Bitmap>();
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            if (pos + 24 > dir.Length) throw new InvalidDataException($"qcow2: bitmap directory entry {i} lies past the directory's end");
            var e = dir[pos..];
            var tableOffset = BinaryPrimitives.ReadUInt64BigEndian(e);
            var tableSize = BinaryPrimitives.ReadUInt32BigEndian(e[8..]);
            var flags = BinaryPrimitives.ReadUInt32BigEndian(e[12..]);
            var type = e[16];
            var granularityBits = e[17];
            var nameSize = BinaryPrimitives.ReadUInt16BigEndian(e[18..]);
            var extraSize = BinaryPrimitives.ReadUInt32BigEndian(e[20..]);
            if (24L + extraSize + nameSize > dir.Length - pos) throw new InvalidDataException($"qcow2: bitmap directory entry {i} lies past the directory's end");
            var extra = e.Slice(24, (int)extraSize).ToArray();
            var name = Encoding.UTF8.GetString(e.Slice(24 + (int)extraSize, nameSize));
            var bitmap = new Qcow2Bitmap(name, tableOffset, tableSize, flags, type, granularityBits, extra);
            Check(bitmap, h, fileLength);
            list.Add(bitmap);
            pos += bitmap.EntryLength;
        }
        if (list.Select(b => b.Name).Distinct().Count() != list.Count) throw new InvalidDataException("qcow2: two persistent bitmaps have the same name");
        return list;
    }

    private static void Check(Qcow2Bitmap b, Qcow2Header h, long fileLength)
    {
        string? problem = null;
        if (b.Type != 1) problem = $"has unknown type {b.Type}";
        else if (b.GranularityBits is < 9 or > 31) problem = $"has granularity bits {b.GranularityBits} (9 to 31 allowed)";
        else if (b.Name.Length == 0 || Encoding.UTF8.GetByteCount(b.Name) > 1023) problem = "has an empty or too long name";
        else if ((b.Flags & ~(Qcow2Bitmap.FlagInUse | Qcow2Bitmap.FlagAuto | Qcow2Bitmap.FlagExtraDataCompatible)) != 0) problem = $"has unknown flags 0x{b.Flags:x}";
        else if (b.ExtraData.Length > 0 && (b.Flags & Qcow2Bitmap.FlagExtraDataCompatible) == 0) problem = "has extra data Vireo does not understand";
        else if (b.TableOffset % (ulong)h.ClusterSize != 0 || b.TableOffset == 0 || b.TableOffset + b.TableSize * 8UL > (ulong)fileLength)
            problem = $"has its table at 0x{b.TableOffset:x}, unaligned or past the end of the file";
        else if (b.TableSize != Qcow2Bitmap.TableEntriesFor((long)h.Size, b.Granularity, h.ClusterSize))
            problem = $"has {b.TableSize} table entries, but the image size needs {Qcow2Bitmap.TableEntriesFor((long)h.Size, b.Granularity, h.ClusterSize)}";
        if (problem is not null) throw new InvalidDataException($"qcow2: persistent bitmap '{b.Name}' {problem}");
    }

    public static byte[] Format(IReadOnlyList<Qcow2Bitmap> bitmaps)
    {
        var bytes = new byte[bitmaps.Sum(b => b.EntryLength)];
        var pos = 0;
        foreach (var b in bitmaps)
        {
            var e = bytes.AsSpan(pos);
            BinaryPrimitives.WriteUInt64BigEndian(e, b.TableOffset);
            BinaryPrimitives.WriteUInt32BigEndian(e[8..], b.TableSize);
            BinaryPrimitives.WriteUInt32BigEndian(e[12..], b.Flags);
            e[16] = b.Type;
            e[17] = b.GranularityBits;
            var name = Encoding.UTF8.GetBytes(b.Name);
            BinaryPrimitives.WriteUInt16BigEndian(e[18..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32BigEndian(e[20..], (uint)b.ExtraData.Length);
            b.ExtraData.CopyTo(e[24..]);
            name.CopyTo(e[(24 + b.ExtraData.Length)..]);
            pos += b.EntryLength;
        }
        return bytes;
    }

    /// <summary>Bitmap table entry: host offset of a data cluster, or 0 (all zeros) / 1 (all ones) without one.</summary>
    public static long DataOffset(ulong entry) => (long)(entry & 0x00ff_ffff_ffff_fe00UL);
}
