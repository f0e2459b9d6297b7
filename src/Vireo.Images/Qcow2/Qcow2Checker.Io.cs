using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

/// <summary>
/// The check's file access, with qemu's semantics: reads past the end of the file see zeros (a table that
/// lies partly outside is checked, not refused), reads at impossible offsets are I/O errors, and every
/// write a repair makes is overlap-checked against the metadata qemu keeps in memory (overlap-check=cached).
/// </summary>
public sealed partial class Qcow2Checker
{
    /// <summary>qemu refuses requests at or past BDRV_MAX_LENGTH (about 2^63): they fail with EIO.</summary>
    private const ulong MaxRequestEnd = (ulong)long.MaxValue - (1UL << 32);

    private bool _signaled;
    private bool _driverLost;

    /// <summary>Fills <paramref name="buf"/> from <paramref name="offset"/>; false for an offset qemu cannot read.</summary>
    private async ValueTask<bool> ReadAtAsync(Memory<byte> buf, ulong offset, CancellationToken ct)
    {
        if (offset > MaxRequestEnd - (ulong)buf.Length) return false;
        var done = 0;
        while (done < buf.Length)
        {
            var at = (long)offset + done;
            var n = at >= _fileLength ? 0 : await RandomAccess.ReadAsync(_file, buf[done..], at, ct);
            if (n == 0)
            {
                buf.Span[done..].Clear();
                break;
            }
            done += n;
        }
        return true;
    }

    /// <summary>A table of big-endian entries; an unreadable one reads as empty (callers that care check the offset).</summary>
    private async ValueTask<ulong[]> ReadTableAsync(long offset, long entries, CancellationToken ct)
    {
        var bytes = new byte[entries * 8];
        return await ReadAtAsync(bytes, (ulong)offset, ct) ? Qcow2Tables.Parse(bytes) : new ulong[entries];
    }

    /// <summary>
    /// qemu's qcow2_signal_corruption: reported once; when the image is open for repair it is fatal (the
    /// corrupt bit is set and qemu drops the driver, so the check after the repair cannot run).
    /// </summary>
    private async ValueTask SignalCorruptionAsync(bool fatal, string what, CancellationToken ct)
    {
        fatal = fatal && _fix != RepairMode.None;
        if (_signaled && (!fatal || _driverLost)) return;
        Say(fatal
            ? $"qcow2: Marking image as corrupt: {what}; further corruption events will be suppressed"
            : $"qcow2: Image is corrupt: {what}; further non-fatal corruption events will be suppressed");
        _signaled = true;
        if (!fatal) return;
        _driverLost = true;
        if (_h.Version < 3) return;
        _h.IncompatibleFeatures |= Qcow2Header.IncompatCorrupt;
        var field = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(field, _h.IncompatibleFeatures);
        await RandomAccess.WriteAsync(_file, field, 72, ct);
    }

    /// <summary>qemu's qcow2_pre_write_overlap_check then the write; false (after the corruption event) when it would hit metadata.</summary>
    private async ValueTask<bool> WriteCheckedAsync(ReadOnlyMemory<byte> data, long offset, Qcow2Metadata ignore, CancellationToken ct)
    {
        var hit = MetadataMap().Overlaps(offset, data.Length) & ~ignore;
        if (hit != Qcow2Metadata.None)
        {
            await SignalCorruptionAsync(true, $"Preventing invalid write on metadata (overlaps with {Qcow2MetadataMap.Name(hit)})", ct);
            return false;
        }
        await RandomAccess.WriteAsync(_file, data, offset, ct);
        _fileLength = Math.Max(_fileLength, offset + data.Length);
        return true;
    }

    /// <summary>The metadata qemu's default overlap check (cached) knows without reading the disk, as the check state has it now.</summary>
    private Qcow2MetadataMap MetadataMap()
    {
        var m = new Qcow2MetadataMap(_clusterBits);
        m.Add(0, _cs, Qcow2Metadata.Header);
        m.Add((long)_h.L1TableOffset, _l1.Length * 8L, Qcow2Metadata.ActiveL1);
        m.Add(_refTableOffset, _refTable.Length * 8L, Qcow2Metadata.RefcountTable);
        if (_snapshotsSize > 0) m.Add(_snapshotsOffset, _snapshotsSize, Qcow2Metadata.SnapshotTable);
        foreach (var s in _snapshots)
            if (s.L1Size > 0 && s.L1TableOffset <= MaxRequestEnd) m.Add((long)s.L1TableOffset, s.L1Size * 8L, Qcow2Metadata.InactiveL1);
        foreach (var e in _l1) m.AddPointed(Qcow2Entries.L1Offset(e), _cs, Qcow2Metadata.ActiveL2);
        foreach (var e in _refTable)
            if ((e & RefTableOffsetMask) is var o and not 0 && o <= MaxRequestEnd) m.Add((long)o, _cs, Qcow2Metadata.RefcountBlock);
        if (_bitmapDirectorySize > 0) m.Add(_bitmapDirectoryOffset, _bitmapDirectorySize, Qcow2Metadata.BitmapDirectory);
        return m;
    }
}
