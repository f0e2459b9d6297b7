using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Qcow2;

/// <summary>
/// Persistent bitmaps, as qemu's check sees them: the bitmaps extension and directory are validated when
/// the image is opened (a bad one means it cannot be opened, as with qemu-img), every bitmap's table is
/// loaded unless the bitmap is in use, and the check counts the directory, tables and data clusters.
/// </summary>
public sealed partial class Qcow2Checker
{
    private const uint MaxBitmapTableSize = 0x8000000;
    private const ulong MaxBitmapPhysSize = 0x20000000;
    private const ulong BitmapEntryReservedMask = 0xff000000000001feUL;

    private uint _nbBitmaps;
    private long _bitmapDirectoryOffset;
    private long _bitmapDirectorySize;

    private sealed record DirEntry(string Name, ulong TableOffset, uint TableSize, uint Flags, int GranularityBits);

    /// <summary>qcow2_read_extensions (bitmaps) and qcow2_load_dirty_bitmaps, as far as they can refuse the image.</summary>
    private async Task OpenBitmapsAsync(CancellationToken ct)
    {
        var ext = _h.Extensions.FirstOrDefault(e => e.Type == Qcow2HeaderExtension.Bitmaps);
        if (ext is null) return;
        if (ext.Data.Length != 24) throw new InvalidDataException("bitmaps_ext: Invalid extension length");
        if (_h.Version < 3 || (_h.AutoclearFeatures & Qcow2Header.AutoclearBitmaps) == 0)
        {
            _warnings.Add(_h.Version < 3
                ? "vireo img: warning: This qcow2 v2 image contains bitmaps, but they may have been modified by a program without persistent bitmap support; so now they must all be considered inconsistent"
                : "vireo img: warning: a program lacking bitmap support modified this file, so all bitmaps are now considered inconsistent");
            _warnings.Add("Some clusters may be leaked, run 'vireo img check -r' on the image file to fix.");
            return;
        }
        var count = BinaryPrimitives.ReadUInt32BigEndian(ext.Data);
        var dirSize = BinaryPrimitives.ReadUInt64BigEndian(ext.Data.AsSpan(8));
        var dirOffset = BinaryPrimitives.ReadUInt64BigEndian(ext.Data.AsSpan(16));
        if (BinaryPrimitives.ReadUInt32BigEndian(ext.Data.AsSpan(4)) != 0) throw new InvalidDataException("bitmaps_ext: Reserved field is not zero");
        if (count > Qcow2BitmapDirectory.MaxBitmaps)
            throw new InvalidDataException($"bitmaps_ext: Image has {count} bitmaps, exceeding the QEMU supported maximum of {Qcow2BitmapDirectory.MaxBitmaps}");
        if (count == 0) throw new InvalidDataException("found bitmaps extension with zero bitmaps");
        if ((dirOffset & (ulong)(_cs - 1)) != 0) throw new InvalidDataException("bitmaps_ext: invalid bitmap directory offset");
        if (dirSize > Qcow2BitmapDirectory.MaxDirectorySize)
            throw new InvalidDataException($"bitmaps_ext: bitmap directory size ({dirSize}) exceeds the maximum supported size ({Qcow2BitmapDirectory.MaxDirectorySize})");
        (_nbBitmaps, _bitmapDirectoryOffset, _bitmapDirectorySize) = (count, (long)dirOffset, (long)dirSize);
        var (list, error) = await LoadDirectoryAsync(ct);
        if (error is not null) throw new InvalidDataException(error);
        var names = new HashSet<string>();
        foreach (var bm in list)
        {
            if (!names.Add(bm.Name)) throw new InvalidDataException($"Bitmap already exists: {bm.Name}");
            if ((bm.Flags & Qcow2Bitmap.FlagInUse) != 0) continue;
            if (await LoadBitmapTableAsync(bm, ct) is null)
                throw new InvalidDataException($"Could not read bitmap_table table from image for bitmap '{bm.Name}': Invalid argument");
            // load_bitmap_data: the table must be exactly as long as the bitmap needs.
            if (bm.TableSize != Qcow2Bitmap.TableEntriesFor((long)_h.Size, 1L << bm.GranularityBits, _cs))
                throw new InvalidDataException($"Could not read bitmap '{bm.Name}' from image: Invalid argument");
        }
    }

    /// <summary>bitmap_list_load: the directory's entries, or qemu's reason why it is broken.</summary>
    private async Task<(List<DirEntry>, string?)> LoadDirectoryAsync(CancellationToken ct)
    {
        var list = new List<DirEntry>();
        if (_bitmapDirectorySize == 0) return (list, "Requested bitmap directory size is zero");
        var dir = new byte[_bitmapDirectorySize];
        if (!await ReadAtAsync(dir, (ulong)_bitmapDirectoryOffset, ct)) return (list, "Failed to read bitmap directory: Input/output error");
        var pos = 0L;
        while (pos < dir.Length)
        {
            if (pos + 24 > dir.Length) return (list, "Broken bitmap directory");
            if (list.Count + 1 > _nbBitmaps) return (list, "More bitmaps found than specified in header extension");
            var e = dir.AsSpan((int)pos);
            var nameSize = BinaryPrimitives.ReadUInt16BigEndian(e[18..]);
            var extraSize = BinaryPrimitives.ReadUInt32BigEndian(e[20..]);
            var next = pos + ((24L + nameSize + extraSize + 7) & ~7L);
            if (next > dir.Length) return (list, "Broken bitmap directory");
            var nameBytes = e.Slice(24 + (int)extraSize, nameSize);
            var name = Encoding.UTF8.GetString(nameBytes.IndexOf((byte)0) is var z and >= 0 ? nameBytes[..z] : nameBytes);
            if (extraSize != 0) return (list, "Bitmap extra data is not supported");
            var entry = new DirEntry(name, BinaryPrimitives.ReadUInt64BigEndian(e), BinaryPrimitives.ReadUInt32BigEndian(e[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(e[12..]), e[17]);
            if (!EntrySatisfiesConstraints(entry, e[16], e[17], nameSize))
                return (list, $"Bitmap '{Encoding.UTF8.GetString(nameBytes)}' doesn't satisfy the constraints");
            list.Add(entry);
            pos = next;
        }
        if (list.Count != _nbBitmaps) return (list, "Less bitmaps found than specified in header extension");
        return (list, null);
    }

    /// <summary>check_dir_entry.</summary>
    private bool EntrySatisfiesConstraints(DirEntry e, byte type, byte granularityBits, int nameSize)
    {
        if (e.TableSize == 0 || e.TableOffset == 0 || (e.TableOffset & (ulong)(_cs - 1)) != 0 || e.TableSize > MaxBitmapTableSize
            || granularityBits is > 31 or < 9 || (e.Flags & ~(Qcow2Bitmap.FlagInUse | Qcow2Bitmap.FlagAuto)) != 0 || nameSize > 1023 || type != 1)
            return false;
        var phys = (ulong)e.TableSize * (ulong)_cs;
        return phys <= MaxBitmapPhysSize && _h.Size <= (phys * 8) << granularityBits;
    }

    /// <summary>bitmap_table_load: the table, or null when an entry is malformed.</summary>
    private async Task<ulong[]?> LoadBitmapTableAsync(DirEntry bm, CancellationToken ct)
    {
        var bytes = new byte[bm.TableSize * 8L];
        if (!await ReadAtAsync(bytes, bm.TableOffset, ct)) return null;
        var table = Qcow2Tables.Parse(bytes);
        foreach (var entry in table)
        {
            var offset = entry & Qcow2Entries.OffsetMask;
            if ((entry & BitmapEntryReservedMask) != 0) return null;
            if (offset != 0 && ((entry & 1) != 0 || (offset & (ulong)(_cs - 1)) != 0)) return null;
        }
        return table;
    }

    /// <summary>qcow2_check_bitmaps_refcounts.</summary>
    private async Task CountBitmapsAsync(Qcow2CheckResult res, CancellationToken ct)
    {
        if (_nbBitmaps == 0) return;
        IncRefcounts(res, (ulong)_bitmapDirectoryOffset, _bitmapDirectorySize);
        var (list, error) = await LoadDirectoryAsync(ct);
        if (error is not null)
        {
            res.Corruptions++;
            throw new Qcow2CheckAbort("Invalid argument");
        }
        foreach (var bm in list)
        {
            IncRefcounts(res, bm.TableOffset, bm.TableSize * 8L);
            if (await LoadBitmapTableAsync(bm, ct) is not { } table)
            {
                res.Corruptions++;
                throw new Qcow2CheckAbort("Invalid argument");
            }
            foreach (var entry in table)
                if ((entry & Qcow2Entries.OffsetMask) is var offset and not 0) IncRefcounts(res, offset, _cs);
        }
    }
}
