using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Iso;

public sealed record IsoEntry(string Path, bool IsDirectory, long Extent, long Length);

/// <summary>
/// Reads ISO 9660 images: Joliet names when the image has them, else Rock Ridge (NM) names, else
/// the plain ISO names without ";1". Every offset is checked against the image size.
/// </summary>
public sealed class IsoReader : IDisposable
{
    private const int S = IsoFields.SectorSize;
    private const int MaxEntries = 100_000;
    private readonly FileStream _file;

    private IsoReader(FileStream file, string volumeId, List<IsoEntry> entries, string naming)
    {
        _file = file;
        VolumeId = volumeId;
        Entries = entries;
        Naming = naming;
    }

    public string VolumeId { get; }
    public IReadOnlyList<IsoEntry> Entries { get; }
    /// <summary>"joliet", "rockridge" or "iso9660".</summary>
    public string Naming { get; }

    public static IsoReader Open(string path)
    {
        var f = File.OpenRead(path);
        try
        {
            var sectors = f.Length / S;
            byte[]? primary = null, joliet = null;
            for (var lba = 16L; lba < Math.Min(sectors, 16 + 64); lba++)
            {
                var d = Read(f, lba * S, S);
                if (Encoding.ASCII.GetString(d, 1, 5) != "CD001") throw new InvalidDataException($"iso9660: no volume descriptor at sector {lba}");
                if (d[0] == 255) break;
                if (d[0] == 1) primary = d;
                if (d[0] == 2 && d[88] == '%' && d[89] == '/' && d[90] is (byte)'@' or (byte)'C' or (byte)'E') joliet = d;
            }
            if (primary is null) throw new InvalidDataException("iso9660: no primary volume descriptor");
            var useJoliet = joliet is not null;
            var pvd = joliet ?? primary;
            var volumeId = useJoliet ? Encoding.BigEndianUnicode.GetString(pvd, 40, 32).TrimEnd(' ', '\0') : Encoding.ASCII.GetString(pvd, 40, 32).TrimEnd(' ');
            var entries = new List<IsoEntry>();
            var naming = useJoliet ? "joliet" : "iso9660";
            var root = pvd.AsSpan(156, 34);
            Walk(f, "", BinaryPrimitives.ReadUInt32LittleEndian(root[2..]), BinaryPrimitives.ReadUInt32LittleEndian(root[10..]),
                useJoliet, entries, ref naming, 0);
            return new IsoReader(f, volumeId, entries, naming);
        }
        catch
        {
            f.Dispose();
            throw;
        }
    }

    private static byte[] Read(FileStream f, long offset, int length)
    {
        if (offset < 0 || offset + length > f.Length) throw new InvalidDataException($"iso9660: read of {length} bytes at {offset} is past the end of the image");
        var b = new byte[length];
        f.Seek(offset, SeekOrigin.Begin);
        f.ReadExactly(b);
        return b;
    }

    private static void Walk(FileStream f, string dir, uint extent, uint length, bool joliet, List<IsoEntry> entries, ref string naming, int depth)
    {
        if (depth > 32) throw new InvalidDataException("iso9660: directories nested deeper than 32 levels");
        if (length > 16 * 1024 * 1024) throw new InvalidDataException($"iso9660: directory '{dir}' claims {length} bytes");
        var data = Read(f, (long)extent * S, (int)length);
        var pos = 0;
        while (pos < data.Length)
        {
            var len = data[pos];
            if (len == 0) { pos = (pos / S + 1) * S; continue; } // records do not cross sectors
            if (len < 34 || pos + len > data.Length) throw new InvalidDataException($"iso9660: bad directory record in '{dir}' at byte {pos}");
            var r = data.AsSpan(pos, len);
            var nameLen = r[32];
            if (33 + nameLen > len) throw new InvalidDataException($"iso9660: directory record name runs past the record in '{dir}'");
            var rawName = r.Slice(33, nameLen);
            pos += len;
            if (nameLen == 1 && rawName[0] is 0 or 1) continue; // "." and ".."
            var isDir = (r[25] & 2) != 0;
            var name = joliet ? Encoding.BigEndianUnicode.GetString(rawName) : Encoding.ASCII.GetString(rawName);
            if (!joliet)
            {
                var suStart = 33 + nameLen + (nameLen % 2 == 0 ? 1 : 0);
                if (RockRidgeName(r[suStart..]) is { } rr) { name = rr; naming = "rockridge"; }
            }
            var semicolon = name.IndexOf(';');
            if (semicolon >= 0) name = name[..semicolon];
            if (!isDir && name.EndsWith('.') && naming == "iso9660") name = name[..^1];
            var path = dir.Length == 0 ? name : dir + "/" + name;
            var childExtent = BinaryPrimitives.ReadUInt32LittleEndian(r[2..]);
            var childLength = BinaryPrimitives.ReadUInt32LittleEndian(r[10..]);
            entries.Add(new IsoEntry(path, isDir, childExtent, childLength));
            if (entries.Count > MaxEntries) throw new InvalidDataException("iso9660: more than 100000 entries");
            if (isDir) Walk(f, path, childExtent, childLength, joliet, entries, ref naming, depth + 1);
        }
    }

    /// <summary>The name from Rock Ridge NM entries in a record's system use area, if any.</summary>
    private static string? RockRidgeName(ReadOnlySpan<byte> su)
    {
        string? name = null;
        while (su.Length >= 4)
        {
            var len = su[2];
            if (len < 4 || len > su.Length) break;
            if (su[0] == 'N' && su[1] == 'M' && len >= 5)
                name = (name ?? "") + Encoding.UTF8.GetString(su.Slice(5, len - 5));
            su = su[len..];
        }
        return name;
    }

    public byte[] ReadFile(string path)
    {
        var e = Entries.FirstOrDefault(x => x.Path == path && !x.IsDirectory) ?? throw new FileNotFoundException($"'{path}' is not in the image");
        if (e.Length > int.MaxValue) throw new InvalidDataException($"'{path}' is too large to read at once");
        return Read(_file, e.Extent * S, (int)e.Length);
    }

    public void Dispose() => _file.Dispose();
}
