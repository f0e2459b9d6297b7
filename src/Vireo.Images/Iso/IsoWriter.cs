using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Iso;

/// <summary>
/// Writes a small ISO 9660 image with Joliet names, one flat root directory: what a cloud-init
/// NoCloud seed needs (volume label "cidata", files user-data, meta-data, network-config).
/// </summary>
public static class IsoWriter
{
    private const int S = IsoFields.SectorSize;

    public static void Write(string path, string volumeId, IReadOnlyDictionary<string, byte[]> files, DateTimeOffset? when = null)
    {
        foreach (var name in files.Keys)
            if (name.Length == 0 || name.Length > 64 || name.Contains('/') || name.Contains('\\'))
                throw new ArgumentException($"file name '{name}' cannot be stored (flat root directory, 1-64 characters)");
        if (volumeId.Length > 16) throw new ArgumentException("volume id must be at most 16 characters (Joliet)");
        var now = when ?? DateTimeOffset.UtcNow;
        var names = files.Keys.Order(StringComparer.Ordinal).ToList();
        var isoNames = IsoLevel1Names(names);
        const int lPath = 19, mPath = 20, jlPath = 21, jmPath = 22, rootDir = 23, jRootDir = 24;
        var next = 25;
        var extents = new Dictionary<string, int>();
        foreach (var n in names)
        {
            extents[n] = next;
            next += Math.Max(1, (files[n].Length + S - 1) / S);
        }
        var total = next;
        var image = new byte[total * S];
        var span = image.AsSpan();

        var root = DirectoryBlock(rootDir, names, n => Encoding.ASCII.GetBytes(isoNames[n]), extents, files, now);
        var jroot = DirectoryBlock(jRootDir, names, n => Encoding.BigEndianUnicode.GetBytes(n), extents, files, now);
        if (root.Length > S || jroot.Length > S) throw new ArgumentException("too many files for one directory sector");
        root.CopyTo(span[(rootDir * S)..]);
        jroot.CopyTo(span[(jRootDir * S)..]);
        PathTable(span[(lPath * S)..], rootDir, littleEndian: true);
        PathTable(span[(mPath * S)..], rootDir, littleEndian: false);
        PathTable(span[(jlPath * S)..], jRootDir, littleEndian: true);
        PathTable(span[(jmPath * S)..], jRootDir, littleEndian: false);
        VolumeDescriptor(span[(16 * S)..], 1, volumeId, total, lPath, mPath, rootDir, now, joliet: false);
        VolumeDescriptor(span[(17 * S)..], 2, volumeId, total, jlPath, jmPath, jRootDir, now, joliet: true);
        var term = span[(18 * S)..];
        term[0] = 255;
        Encoding.ASCII.GetBytes("CD001", term[1..]);
        term[6] = 1;
        foreach (var n in names) files[n].CopyTo(span[(extents[n] * S)..]);
        File.WriteAllBytes(path, image);
    }

    /// <summary>8.3 upper-case names with ";1", unique, as ISO 9660 level 1 wants them.</summary>
    private static Dictionary<string, string> IsoLevel1Names(List<string> names)
    {
        var result = new Dictionary<string, string>();
        var used = new HashSet<string>();
        foreach (var n in names)
        {
            static string Clean(string s, int max) => new(s.ToUpperInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(max).ToArray());
            var dot = n.LastIndexOf('.');
            var stem = Clean(dot > 0 ? n[..dot] : n, 8);
            var ext = Clean(dot > 0 ? n[(dot + 1)..] : "", 3);
            var candidate = stem;
            for (var i = 1; !used.Add($"{candidate}.{ext}"); i++)
                candidate = stem[..Math.Min(stem.Length, 8 - i.ToString().Length)] + i;
            result[n] = $"{candidate}.{ext};1";
        }
        return result;
    }

    private static byte[] DirectoryBlock(int self, List<string> names, Func<string, byte[]> encode,
        Dictionary<string, int> extents, IReadOnlyDictionary<string, byte[]> files, DateTimeOffset now)
    {
        var ms = new MemoryStream();
        ms.Write(Record([0], self, S, now, directory: true));
        ms.Write(Record([1], self, S, now, directory: true));
        foreach (var n in names.OrderBy(n => encode(n), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))))
            ms.Write(Record(encode(n), extents[n], files[n].Length, now, directory: false));
        return ms.ToArray();
    }

    private static byte[] Record(byte[] name, int extent, int length, DateTimeOffset now, bool directory)
    {
        var len = 33 + name.Length + (name.Length % 2 == 0 ? 1 : 0);
        var r = new byte[len];
        r[0] = (byte)len;
        IsoFields.Both32(r.AsSpan(2), (uint)extent);
        IsoFields.Both32(r.AsSpan(10), (uint)length);
        IsoFields.ShortDate(r.AsSpan(18), now);
        r[25] = (byte)(directory ? 2 : 0);
        IsoFields.Both16(r.AsSpan(28), 1);
        r[32] = (byte)name.Length;
        name.CopyTo(r, 33);
        return r;
    }

    private static void PathTable(Span<byte> b, int rootExtent, bool littleEndian)
    {
        b[0] = 1; // name length
        if (littleEndian) BinaryPrimitives.WriteUInt32LittleEndian(b[2..], (uint)rootExtent);
        else BinaryPrimitives.WriteUInt32BigEndian(b[2..], (uint)rootExtent);
        if (littleEndian) BinaryPrimitives.WriteUInt16LittleEndian(b[6..], 1);
        else BinaryPrimitives.WriteUInt16BigEndian(b[6..], 1);
    }

    private static void VolumeDescriptor(Span<byte> d, byte type, string volumeId, int totalSectors, int lPath, int mPath,
        int rootExtent, DateTimeOffset now, bool joliet)
    {
        d[0] = type;
        Encoding.ASCII.GetBytes("CD001", d[1..]);
        d[6] = 1;
        if (joliet)
        {
            IsoFields.Ucs2(d.Slice(8, 32), "LINUX");
            IsoFields.Ucs2(d.Slice(40, 32), volumeId);
            Encoding.ASCII.GetBytes("%/E", d[88..]); // UCS-2 level 3
        }
        else
        {
            IsoFields.Ascii(d.Slice(8, 32), "LINUX");
            IsoFields.Ascii(d.Slice(40, 32), volumeId);
        }
        IsoFields.Both32(d[80..], (uint)totalSectors);
        IsoFields.Both16(d[120..], 1);
        IsoFields.Both16(d[124..], 1);
        IsoFields.Both16(d[128..], S);
        IsoFields.Both32(d[132..], 10); // path table: one 10-byte root entry
        BinaryPrimitives.WriteUInt32LittleEndian(d[140..], (uint)lPath);
        BinaryPrimitives.WriteUInt32BigEndian(d[148..], (uint)mPath);
        Record([0], rootExtent, S, now, directory: true).CopyTo(d[156..]);
        var text = joliet ? (Action<Span<byte>, string>)IsoFields.Ucs2 : IsoFields.Ascii;
        foreach (var (at, len) in new[] { (190, 128), (318, 128), (446, 128), (574, 128), (702, 37), (739, 37), (776, 37) })
            text(d.Slice(at, len), at == 574 ? "VIREO" : "");
        IsoFields.LongDate(d[813..], now);
        IsoFields.LongDate(d[830..], now);
        Encoding.ASCII.GetBytes("0000000000000000", d[847..]);
        Encoding.ASCII.GetBytes("0000000000000000", d[864..]);
        d[881] = 1;
    }
}
