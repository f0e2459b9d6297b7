using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Qcow2;

/// <summary>
/// qcow2_check_read_snapshot_table and qcow2_check_fix_snapshot_table: the snapshot table is read as qemu
/// reads it in check mode; what it cannot hold (too much extra data, too many snapshots) is an error, or with
/// -r all discarded, and entries of a version 3 image without the disk size are incomplete. A table that
/// needed repair is written anew once the refcounts are sound.
/// </summary>
public sealed partial class Qcow2Checker
{
    private const int MaxSnapshots = 65536;
    private const int MaxSnapshotExtraData = 1024;
    private const long MaxSnapshotsSize = 1024L * MaxSnapshots;

    private List<Qcow2Snapshot> _snapshots = [];
    private long _snapshotsOffset;
    private long _snapshotsSize;

    private async Task ReadSnapshotTableAsync(Qcow2CheckResult res, CancellationToken ct)
    {
        _snapshotsOffset = (long)_h.SnapshotsOffset;
        var count = _h.NbSnapshots;
        var reduced = 0u;
        if (count > MaxSnapshots && FixErrors)
        {
            Say($"Discarding {count - MaxSnapshots} overhanging snapshots");
            reduced += count - MaxSnapshots;
            count = MaxSnapshots;
        }
        string? invalid = count > MaxSnapshots ? "snapshot table too large"
            : (_h.SnapshotsOffset & (ulong)(_cs - 1)) != 0 || (ulong)long.MaxValue - count * 40UL < _h.SnapshotsOffset ? "snapshot table offset invalid"
            : null;
        if (invalid is not null)
        {
            Say($"vireo img: ERROR {invalid}");
            if (count > MaxSnapshots) Say($"You can force-remove all {count - MaxSnapshots} overhanging snapshots with vireo img check -r all");
            _snapshotsOffset = 0;
            throw Abort(res, count > MaxSnapshots ? "File too large" : "Invalid argument");
        }
        var (snapshots, size, dropped, overhang, error) = await ReadSnapshotsAsync(count, FixErrors, ct);
        if (error is not null)
        {
            Say($"vireo img: ERROR failed to read the snapshot table: {error.Value.Message}");
            if (error.Value.Hint is { } hint) Say(hint);
            _snapshotsOffset = 0;
            throw Abort(res, error.Value.Errno);
        }
        _snapshots = snapshots;
        _snapshotsSize = size;
        reduced += overhang;
        res.Corruptions += reduced + dropped;
        if (reduced > 0)
        {
            // The header must say how many snapshots there are before the refcounts are checked.
            var field = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(field, (uint)snapshots.Count);
            await RandomAccess.WriteAsync(_file, field, 60, ct);
            RandomAccess.FlushToDisk(_file);
            res.CorruptionsFixed += reduced;
            res.Corruptions -= reduced;
        }
        if (_h.Version < 3) return;
        for (var i = 0; i < snapshots.Count; i++)
        {
            if (snapshots[i].Extra.Length >= 16) continue;
            res.Corruptions++;
            Say($"{(FixErrors ? "Repairing" : "ERROR")} snapshot table entry {i} is incomplete");
        }
    }

    private readonly record struct ReadError(string Message, string? Hint, string Errno);

    /// <summary>qcow2_do_read_snapshots: the entries as qemu reads them (past the end of the file they read as zeros).</summary>
    private async Task<(List<Qcow2Snapshot>, long Size, uint Dropped, uint Overhang, ReadError?)> ReadSnapshotsAsync(
        uint count, bool repair, CancellationToken ct)
    {
        var list = new List<Qcow2Snapshot>();
        if (count == 0) return (list, 0, 0, 0, null);
        var readFailed = new ReadError("Failed to read snapshot table: Input/output error", null, "Input/output error");
        var offset = (ulong)_snapshotsOffset;
        long tableLength = 0;
        uint dropped = 0, overhang = 0;
        var head = new byte[40];
        for (var i = 0; i < count; i++)
        {
            var entryStart = offset;
            tableLength = (tableLength + 7) & ~7L;
            offset = (offset + 7) & ~7UL;
            if (!await ReadAtAsync(head, offset, ct)) return (list, 0, 0, 0, readFailed);
            offset += 40;
            var extraSize = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(36));
            var truncate = false;
            if (extraSize > MaxSnapshotExtraData)
            {
                if (!repair)
                    return (list, 0, 0, 0, new ReadError($"Too much extra metadata in snapshot table entry {i}",
                        "You can force-remove this extra metadata with vireo img check -r all", "File too large"));
                Say($"Discarding too much extra metadata in snapshot table entry {i} ({extraSize} > {MaxSnapshotExtraData})");
                dropped++;
                truncate = true;
            }
            var keep = truncate ? MaxSnapshotExtraData : (int)extraSize;
            var extra = new byte[keep];
            if (!await ReadAtAsync(extra, offset, ct)) return (list, 0, 0, 0, readFailed);
            offset += extraSize;
            var idSize = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(12));
            var nameSize = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(14));
            var idName = new byte[idSize + nameSize];
            if (!await ReadAtAsync(idName, offset, ct)) return (list, 0, 0, 0, readFailed);
            offset += (ulong)idName.Length;
            tableLength += 40 + keep + idName.Length;
            if (tableLength > MaxSnapshotsSize || offset - (ulong)_snapshotsOffset > int.MaxValue)
            {
                if (!repair)
                    return (list, 0, 0, 0, new ReadError("Snapshot table is too big",
                        $"You can force-remove all {count - i} overhanging snapshots with vireo img check -r all", "File too large"));
                Say($"Discarding {count - i} overhanging snapshots (snapshot table is too big)");
                overhang += (uint)(count - i);
                offset = entryStart;
                break;
            }
            list.Add(ParsedSnapshot(head, extra, idName, idSize));
        }
        return (list, (long)(offset - (ulong)_snapshotsOffset), dropped, overhang, null);
    }

    private Qcow2Snapshot ParsedSnapshot(byte[] head, byte[] extra, byte[] idName, int idSize)
    {
        ulong vmState = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(32));
        if (extra.Length >= 8) vmState = BinaryPrimitives.ReadUInt64BigEndian(extra);
        ulong? disk = extra.Length >= 16 ? BinaryPrimitives.ReadUInt64BigEndian(extra.AsSpan(8)) : null;
        ulong? icount = extra.Length >= 24 ? BinaryPrimitives.ReadUInt64BigEndian(extra.AsSpan(16)) : null;
        // Names are C strings to qemu: they end at the first NUL.
        static string CString(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b.IndexOf((byte)0) is var z and >= 0 ? b[..z] : b);
        return new Qcow2Snapshot(BinaryPrimitives.ReadUInt64BigEndian(head), BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(8)),
            CString(idName.AsSpan(0, idSize)), CString(idName.AsSpan(idSize)), BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(16)),
            BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(20)), BinaryPrimitives.ReadUInt64BigEndian(head.AsSpan(24)), vmState,
            disk, icount, extra);
    }

    /// <summary>qcow2_check_fix_snapshot_table: with -r all a table that had problems is written anew (qcow2_write_snapshots).</summary>
    private async Task FixSnapshotTableAsync(Qcow2CheckResult res, CancellationToken ct)
    {
        if (res.Corruptions == 0 || !FixErrors) return;
        var size = (ulong)(_h.Size / 512 * 512);
        var rewritten = _snapshots.Select(s =>
        {
            var extra = new byte[Math.Max(24, s.Extra.Length)];
            BinaryPrimitives.WriteUInt64BigEndian(extra, s.VmStateSize);
            BinaryPrimitives.WriteUInt64BigEndian(extra.AsSpan(8), s.DiskSize ?? size);
            BinaryPrimitives.WriteUInt64BigEndian(extra.AsSpan(16), s.Icount ?? ulong.MaxValue);
            if (s.Extra.Length > 24) s.Extra.AsSpan(24).CopyTo(extra.AsSpan(24));
            return s with { DiskSize = s.DiskSize ?? size, Extra = extra };
        }).ToList();
        try
        {
            await Qcow2Image.RewriteSnapshotTableAsync(_path, rewritten, _snapshotsSize, ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or NotSupportedException)
        {
            Say($"ERROR failed to update snapshot table: {e.Message}");
            throw Abort(res, "Input/output error");
        }
        res.CorruptionsFixed += res.Corruptions;
        res.Corruptions = 0;
    }
}
