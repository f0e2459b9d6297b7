using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Qcow2;

/// <summary>
/// qemu-img check for qcow2: recomputes every cluster's reference count from the metadata (header,
/// L1/L2 tables, data, snapshots, refcount structures), compares with the stored refcounts and the
/// COPIED flags, and repairs leaks (and, with Errors, refcounts that are too low) in place.
/// </summary>
public sealed partial class Qcow2Checker
{
    private readonly SafeFileHandle _file;
    private readonly Qcow2Header _h;
    private readonly long _cs;
    private readonly long _fileClusters;
    private readonly Dictionary<long, ulong> _computed = new();
    private readonly Qcow2CheckResult _r = new();

    private Qcow2Checker(SafeFileHandle file, Qcow2Header header, long fileLength)
    {
        _file = file;
        _h = header;
        _cs = header.ClusterSize;
        _fileClusters = (fileLength + _cs - 1) / _cs;
    }

    public static async Task<Qcow2CheckResult> CheckAsync(string path, RepairMode repair = RepairMode.None, CancellationToken ct = default)
    {
        var result = await CheckOnceAsync(path, repair, ct);
        return result;
    }

    /// <summary>amend refcount_bits: recounts every reference and writes a new refcount structure of the new width.</summary>
    public static async Task ChangeRefcountWidthAsync(string path, int bits, CancellationToken ct = default)
    {
        if (bits is not (1 or 2 or 4 or 8 or 16 or 32 or 64)) throw new ArgumentException("Refcount width must be a power of two and may not exceed 64 bits");
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(file);
        var header = await Qcow2Tables.ReadHeaderAsync(file, length, ct);
        if (header.Version < 3 && bits != 16) throw new InvalidOperationException("Different refcount widths than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)");
        if (header.RefcountBits == bits) return;
        var c = new Qcow2Checker(file, header, length);
        await c.CountReferencesAsync(ct);
        if (c._r.Corruptions > 0) throw new InvalidDataException("the image has errors; run 'vireo img check -r all' first");
        c._refTable = await c.ReadTableAsync((long)header.RefcountTableOffset, header.RefcountTableClusters * header.ClusterSize / 8, ct);
        await c.RebuildAsync(ct, bits);
    }

    internal static async Task<Qcow2CheckResult> CheckOnceAsync(string path, RepairMode repair, CancellationToken ct)
    {
        using var file = File.OpenHandle(path, FileMode.Open, repair == RepairMode.None ? FileAccess.Read : FileAccess.ReadWrite, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(file);
        var header = await Qcow2Tables.ReadHeaderAsync(file, length, ct);
        var c = new Qcow2Checker(file, header, length);
        await c.CountReferencesAsync(ct);
        await c.CompareAsync(repair, ct);
        return c._r;
    }

    private static async Task ReadAsync(SafeFileHandle f, Memory<byte> buf, long offset, CancellationToken ct)
    {
        var done = 0;
        while (done < buf.Length)
        {
            var n = await RandomAccess.ReadAsync(f, buf[done..], offset + done, ct);
            if (n == 0) { buf.Span[done..].Clear(); return; }
            done += n;
        }
    }

    /// <summary>Adds one reference to every cluster in [offset, offset+length).</summary>
    private void Reference(long offset, long length)
    {
        if (length <= 0) return;
        var first = offset / _cs;
        var last = (offset + length - 1) / _cs;
        if (last >= _fileClusters)
        {
            _r.Messages.Add($"ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset 0x{offset:x} size 0x{length:x}");
            _r.Corruptions++;
            last = Math.Min(last, _fileClusters - 1);
        }
        for (var c = first; c <= last; c++) _computed[c] = _computed.GetValueOrDefault(c) + 1;
    }

    /// <summary>A table as far as the file holds it (the check reports what lies past the end instead of failing).</summary>
    private async Task<ulong[]> ReadTableAsync(long offset, long entries, CancellationToken ct)
    {
        var bytes = new byte[entries * 8];
        await ReadAsync(_file, bytes, offset, ct);
        return Qcow2Tables.Parse(bytes);
    }

    private async Task CountReferencesAsync(CancellationToken ct)
    {
        Reference(0, _cs);
        _r.TotalClusters = (long)((_h.Size + (ulong)_cs - 1) / (ulong)_cs);
        await CountL1Async((long)_h.L1TableOffset, _h.L1Size, active: true, ct);
        if (_h.NbSnapshots > 0)
        {
            var tableBytes = new byte[Math.Min((_fileClusters * _cs) - (long)_h.SnapshotsOffset, 64L * 1024 * 1024)];
            await ReadAsync(_file, tableBytes, (long)_h.SnapshotsOffset, ct);
            var snaps = Qcow2Snapshot.ReadTable(tableBytes, _h.NbSnapshots, (long)_h.SnapshotsOffset);
            var tableSize = SnapshotTableSize(snaps);
            Reference((long)_h.SnapshotsOffset, tableSize);
            foreach (var s in snaps)
            {
                if ((long)s.L1Size * 8 > Qcow2Header.MaxL1Bytes || s.L1TableOffset % (ulong)_cs != 0)
                {
                    _r.Messages.Add($"ERROR snapshot {s.Id} ({s.Name}) has an invalid L1 table (offset 0x{s.L1TableOffset:x}, {s.L1Size} entries)");
                    _r.Corruptions++;
                    continue;
                }
                await CountL1Async((long)s.L1TableOffset, s.L1Size, active: false, ct);
            }
        }
        await CountBitmapsAsync(ct);
        Reference((long)_h.RefcountTableOffset, _h.RefcountTableClusters * _cs);
        foreach (var block in await ReadTableAsync((long)_h.RefcountTableOffset, _h.RefcountTableClusters * _cs / 8, ct))
        {
            var off = (long)(block & ~511UL);
            if (off == 0) continue;
            if (off % _cs != 0)
            {
                _r.Messages.Add($"ERROR refcount block offset 0x{off:x} is not cluster aligned");
                _r.Corruptions++;
                continue;
            }
            Reference(off, _cs);
        }
        var highest = _computed.Keys.DefaultIfEmpty(-1).Max();
        _r.ImageEndOffset = (highest + 1) * _cs;
    }

    private static long SnapshotTableSize(List<Qcow2Snapshot> snaps) =>
        snaps.Sum(s => (40L + s.Extra.Length + System.Text.Encoding.UTF8.GetByteCount(s.Id) + System.Text.Encoding.UTF8.GetByteCount(s.Name) + 7) & ~7L);

    private async Task CountL1Async(long l1Offset, uint l1Size, bool active, CancellationToken ct)
    {
        Reference(l1Offset, l1Size * 8L);
        var l1 = await ReadTableAsync(l1Offset, l1Size, ct);
        for (var i = 0; i < l1.Length; i++)
        {
            var l2 = Qcow2Entries.L1Offset(l1[i]);
            if (l2 == 0) continue;
            if (l2 % _cs != 0)
            {
                _r.Messages.Add($"ERROR l2_offset=0x{l2:x}: Table is not cluster aligned; L1 entry corrupted");
                _r.Corruptions++;
                continue;
            }
            Reference(l2, _cs);
            var table = await ReadTableAsync(l2, _cs / 8, ct);
            // qemu counts fragmentation within each L2 table; the first cluster of a table never counts.
            long nextContiguous = 0;
            var step = _h.ExtendedL2 ? 2 : 1;
            for (var j = 0; j < table.Length; j += step)
            {
                var e = table[j];
                if ((e & Qcow2Entries.Compressed) != 0)
                {
                    var (off, len) = Qcow2Entries.CompressedRange(e, _h.ClusterBits);
                    Reference(off, len);
                    if (active) { _r.AllocatedClusters++; _r.CompressedClusters++; _r.FragmentedClusters++; }
                    nextContiguous = 0;
                    continue;
                }
                var host = Qcow2Entries.StandardOffset(e);
                if (host == 0) continue;
                if (host % _cs != 0)
                {
                    _r.Messages.Add($"ERROR offset=0x{host:x}: Cluster is not properly aligned; L2 entry corrupted.");
                    _r.Corruptions++;
                    continue;
                }
                Reference(host, _cs);
                if (!active) continue;
                _r.AllocatedClusters++;
                if (nextContiguous != 0 && host != nextContiguous) _r.FragmentedClusters++;
                nextContiguous = host + _cs;
            }
        }
    }
}
