using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Qcow2;

/// <summary>
/// Persistent dirty bitmaps: kept, and kept consistent. Every write, zeroing or discard sets the
/// covered bits of each enabled ("auto") bitmap. Like qemu, the bitmaps are flagged in_use in the
/// file before their first change and the flag is cleared once the changed bits are on disk, so a
/// crash in between leaves them marked inconsistent rather than silently wrong.
/// </summary>
public sealed partial class Qcow2Image
{
    private List<Qcow2Bitmap> _bitmaps = [];
    private Qcow2BitmapDirectory.Extension? _bitmapExtension;
    private readonly Dictionary<int, ulong[]> _bitmapTables = new();     // bitmap index -> table, loaded on first change
    private readonly HashSet<int> _dirtyBitmapTables = [];
    private readonly Dictionary<long, byte[]> _bitmapData = new();       // host offset -> data cluster
    private readonly HashSet<long> _dirtyBitmapData = [];
    private readonly HashSet<int> _markedInUse = [];

    /// <summary>The persistent bitmaps, when the image's bitmaps are valid (autoclear bit set).</summary>
    public IReadOnlyList<Qcow2Bitmap> Bitmaps => _bitmaps;

    private bool HasBitmapChanges => _markedInUse.Count > 0 || _dirtyBitmapData.Count > 0 || _dirtyBitmapTables.Count > 0;

    private static async Task<(Qcow2BitmapDirectory.Extension?, List<Qcow2Bitmap>)> ReadBitmapsAsync(
        SafeFileHandle file, Qcow2Header h, long length, CancellationToken ct)
    {
        var ext = h.Extensions.FirstOrDefault(e => e.Type == Qcow2HeaderExtension.Bitmaps);
        // Without the autoclear bit a bitmap-unaware program has written since: the bitmaps are stale and ignored, as qemu does.
        if (ext is null || h.Version < 3 || (h.AutoclearFeatures & Qcow2Header.AutoclearBitmaps) == 0) return (null, []);
        var e = Qcow2BitmapDirectory.ParseExtension(ext.Data);
        if (e.DirectoryOffset % (ulong)h.ClusterSize != 0 || e.DirectoryOffset == 0 || e.DirectoryOffset + e.DirectorySize > (ulong)length)
            throw new InvalidDataException($"qcow2: the bitmap directory at 0x{e.DirectoryOffset:x} is unaligned or past the end of the file");
        var dir = new byte[e.DirectorySize];
        await Qcow2Tables.ReadExactAsync(file, dir, (long)e.DirectoryOffset, ct);
        return (e, Qcow2BitmapDirectory.Parse(dir, e.Count, h, length));
    }

    /// <summary>Sets the bits covering [offset, offset+length) in every enabled bitmap. Called with the write lock held.</summary>
    private async ValueTask MarkDirtyAsync(long offset, long length, CancellationToken ct)
    {
        if (_bitmapExtension is null || length <= 0) return;
        for (var i = 0; i < _bitmaps.Count; i++)
        {
            var b = _bitmaps[i];
            if (!b.Auto || (b.InUse && !_markedInUse.Contains(i))) continue;
            if (!_markedInUse.Contains(i)) await MarkInUseAsync(i, ct);
            var table = await BitmapTableAsync(i, ct);
            var perCluster = ClusterSize * 8;
            var firstBit = offset / b.Granularity;
            var lastBit = (Math.Min(offset + length, VirtualSize) - 1) / b.Granularity;
            for (var t = firstBit / perCluster; t <= lastBit / perCluster; t++)
            {
                if (table[t] == 1) continue; // the whole cluster already reads as ones
                var data = await BitmapClusterAsync(i, table, t, ct);
                var from = Math.Max(firstBit, t * perCluster) - t * perCluster;
                var to = Math.Min(lastBit, (t + 1) * perCluster - 1) - t * perCluster;
                SetBits(data, from, to);
                _dirtyBitmapData.Add(Qcow2BitmapDirectory.DataOffset(table[t]));
            }
        }
    }

    private static void SetBits(byte[] data, long from, long to)
    {
        // Bit n of the bitmap is bit (n % 8) of byte (n / 8).
        for (var bit = from; bit <= to;)
        {
            if (bit % 8 == 0 && bit + 7 <= to)
            {
                var bytes = (int)((to - bit + 1) / 8);
                data.AsSpan((int)(bit / 8), bytes).Fill(0xff);
                bit += bytes * 8L;
                continue;
            }
            data[bit / 8] |= (byte)(1 << (int)(bit % 8));
            bit++;
        }
    }

    private async ValueTask<ulong[]> BitmapTableAsync(int index, CancellationToken ct)
    {
        if (_bitmapTables.TryGetValue(index, out var t)) return t;
        var b = _bitmaps[index];
        t = await Qcow2Tables.ReadAsync(_file, (long)b.TableOffset, b.TableSize, ct);
        return _bitmapTables[index] = t;
    }

    private async ValueTask<byte[]> BitmapClusterAsync(int index, ulong[] table, long t, CancellationToken ct)
    {
        var off = Qcow2BitmapDirectory.DataOffset(table[t]);
        if (off == 0)
        {
            // An all-zero cluster has no storage yet.
            off = await AllocateClustersAsync(1, ct);
            AddMetadata(off, ClusterSize, Qcow2Metadata.BitmapData);
            table[t] = (ulong)off;
            _dirtyBitmapTables.Add(index);
            return _bitmapData[off] = new byte[ClusterSize];
        }
        if (_bitmapData.TryGetValue(off, out var data)) return data;
        if (off % ClusterSize != 0 || off + ClusterSize > DataLimit)
            throw new InvalidDataException($"qcow2: bitmap '{_bitmaps[index].Name}' has a data cluster at 0x{off:x}, unaligned or past the end of the file");
        data = new byte[ClusterSize];
        await ReadExactAsync(_file, data, off, ct);
        return _bitmapData[off] = data;
    }

    private async ValueTask MarkInUseAsync(int index, CancellationToken ct)
    {
        _bitmaps[index] = _bitmaps[index] with { Flags = _bitmaps[index].Flags | Qcow2Bitmap.FlagInUse };
        _markedInUse.Add(index);
        await WriteBitmapDirectoryAsync(ct);
        RandomAccess.FlushToDisk(_file);
    }

    private ValueTask WriteBitmapDirectoryAsync(CancellationToken ct) =>
        WriteCheckedAsync(Qcow2BitmapDirectory.Format(_bitmaps), (long)_bitmapExtension!.Value.DirectoryOffset, Qcow2Metadata.BitmapDirectory, ct);

    /// <summary>First half of a flush: bitmap data and tables, before the refcounts that account for them.</summary>
    private async ValueTask FlushBitmapDataAsync(CancellationToken ct)
    {
        foreach (var off in _dirtyBitmapData) await WriteCheckedAsync(_bitmapData[off], off, Qcow2Metadata.BitmapData, ct);
        _dirtyBitmapData.Clear();
        foreach (var i in _dirtyBitmapTables)
            await WriteCheckedAsync(ToBytes(_bitmapTables[i]), (long)_bitmaps[i].TableOffset, Qcow2Metadata.BitmapTable, ct);
        _dirtyBitmapTables.Clear();
    }

    /// <summary>Second half, once everything else is on disk: the bitmaps are consistent again.</summary>
    private async ValueTask ClearInUseAsync(CancellationToken ct)
    {
        if (_markedInUse.Count == 0 || Unusable) return;
        foreach (var i in _markedInUse) _bitmaps[i] = _bitmaps[i] with { Flags = _bitmaps[i].Flags & ~Qcow2Bitmap.FlagInUse };
        _markedInUse.Clear();
        await WriteBitmapDirectoryAsync(ct);
        RandomAccess.FlushToDisk(_file);
    }

    /// <summary>Operations that would need the bitmaps rebuilt refuse, naming them, rather than drop them.</summary>
    private void RefuseWithBitmaps(string operation)
    {
        if (_bitmaps.Count > 0)
            throw new InvalidOperationException(
                $"Cannot {operation} '{Path}': it has persistent bitmaps ({string.Join(", ", _bitmaps.Select(b => b.Name))}); remove them first (qemu-img bitmap --remove)");
    }
}
