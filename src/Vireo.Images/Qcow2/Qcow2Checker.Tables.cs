using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

/// <summary>
/// check_refcounts_l1 / check_refcounts_l2: counts the references of an L1 table, its L2 tables and the
/// clusters they map, checking every entry on the way: reserved bits, alignment, compressed entries,
/// and with extended L2 the subcluster bitmaps (a subcluster both allocated and zero, allocation bits on
/// an unallocated cluster, a bitmap on a compressed cluster).
/// </summary>
public sealed partial class Qcow2Checker
{
    private async Task CheckL1Async(Qcow2CheckResult res, ulong l1Offset, uint l1Size, bool active, CancellationToken ct)
    {
        if (l1Size == 0) return;
        IncRefcounts(res, l1Offset, l1Size * 8L);
        var bytes = new byte[l1Size * 8L];
        if (!await ReadAtAsync(bytes, l1Offset, ct))
        {
            Say("ERROR: I/O error in check_refcounts_l1");
            throw Abort(res, "Input/output error");
        }
        var l1 = Qcow2Tables.Parse(bytes);
        foreach (var entry in l1)
        {
            if (entry == 0) continue;
            ct.ThrowIfCancellationRequested();
            if ((entry & L1ReservedMask) != 0)
            {
                Say($"ERROR found L1 entry with reserved bits set: {entry:x}");
                res.Corruptions++;
            }
            var l2Offset = entry & Qcow2Entries.OffsetMask;
            IncRefcounts(res, l2Offset, _cs);
            if ((l2Offset & (ulong)(_cs - 1)) != 0)
            {
                Say($"ERROR l2_offset={l2Offset:x}: Table is not cluster aligned; L1 entry corrupted");
                res.Corruptions++;
            }
            await CheckL2Async(res, l2Offset, active, ct);
        }
    }

    private byte[]? _l2Buffer;

    private async Task CheckL2Async(Qcow2CheckResult res, ulong l2Offset, bool active, CancellationToken ct)
    {
        // A table wholly past the end of the file reads as zeros: nothing in it to count or check.
        if (l2Offset >= (ulong)_fileLength && l2Offset <= MaxRequestEnd - (ulong)_cs) return;
        var bytes = _l2Buffer ??= new byte[_cs];
        if (!await ReadAtAsync(bytes, l2Offset, ct))
        {
            Say("ERROR: I/O error in check_refcounts_l2");
            throw Abort(res, "Input/output error");
        }
        var ext = _h.ExtendedL2;
        ulong nextContiguous = 0;
        for (var i = 0; i < L2Entries; i++)
        {
            var entry = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * _h.L2EntrySize));
            var bitmap = ext ? BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * 16 + 8)) : 0;
            if (entry == 0 && bitmap == 0) continue;
            if ((entry & Qcow2Entries.Compressed) != 0)
            {
                CountCompressed(res, i, entry, bitmap, active);
                continue;
            }
            if ((entry & L2ReservedMask) != 0)
            {
                Say($"ERROR found l2 entry with reserved bits set: {entry:x}");
                res.Corruptions++;
            }
            var offset = entry & Qcow2Entries.OffsetMask;
            if (offset == 0)
            {
                // Unallocated, or a zero cluster without preallocation (the zero flag only counts without subclusters).
                if ((bitmap & 0xffffffffUL) != 0)
                {
                    Say("ERROR: Unallocated cluster has non-zero subcluster allocation map");
                    res.Corruptions++;
                }
                continue;
            }
            if (((bitmap >> 32) & bitmap) != 0)
            {
                res.Corruptions++;
                Say($"ERROR offset={offset:x}: Allocated cluster has corrupted subcluster allocation bitmap");
            }
            if ((offset & (ulong)(_cs - 1)) != 0)
            {
                res.Corruptions++;
                var containsData = ext ? (bitmap & 0xffffffffUL) != 0 : (entry & Qcow2Entries.ZeroFlag) == 0;
                if (containsData) Say($"ERROR offset={offset:x}: Data cluster is not properly aligned; L2 entry corrupted.");
                else
                {
                    var fix = (_calcFix & RepairMode.Errors) != 0;
                    Say($"{(fix ? "Repairing" : "ERROR")} offset={offset:x}: Preallocated cluster is not properly aligned; L2 entry corrupted.");
                    if (fix && await FixEntryByZeroAsync(res, l2Offset, bitmap, i, active, ct)) continue;
                }
            }
            if (active)
            {
                res.AllocatedClusters++;
                if (nextContiguous != 0 && offset != nextContiguous) res.FragmentedClusters++;
                nextContiguous = offset + (ulong)_cs;
            }
            IncRefcounts(res, offset, _cs);
        }
    }

    private void CountCompressed(Qcow2CheckResult res, int index, ulong entry, ulong bitmap, bool active)
    {
        var shift = 62 - (_clusterBits - 8);
        if ((entry & Qcow2Entries.Copied) != 0)
        {
            Say($"ERROR: coffset=0x{entry & ((1UL << shift) - 1):x}: copied flag must never be set for compressed clusters");
            entry &= ~Qcow2Entries.Copied;
            res.Corruptions++;
        }
        if (bitmap != 0)
        {
            Say($"ERROR compressed cluster {index} with non-zero subcluster allocation bitmap, entry=0x{entry:x}");
            res.Corruptions++;
            return;
        }
        var (coffset, csize) = Qcow2Entries.CompressedRange(entry, _clusterBits);
        IncRefcounts(res, (ulong)coffset, csize);
        if (!active) return;
        // Compressed clusters are fragmented by nature, as qemu counts them.
        res.AllocatedClusters++;
        res.CompressedClusters++;
        res.FragmentedClusters++;
    }

    /// <summary>
    /// fix_l2_entry_by_zero: an unaligned preallocated zero cluster becomes a plain zero cluster (its
    /// subclusters all zero). False when it could not be written; a metadata overlap ends the check.
    /// </summary>
    private async Task<bool> FixEntryByZeroAsync(Qcow2CheckResult res, ulong l2Offset, ulong bitmap, int index, bool active, CancellationToken ct)
    {
        var entrySize = _h.L2EntrySize;
        var at = (long)l2Offset + (long)index * entrySize;
        var bytes = new byte[entrySize];
        if (_h.ExtendedL2) BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), (bitmap | (bitmap << 32)) & 0xffffffff00000000UL);
        else BinaryPrimitives.WriteUInt64BigEndian(bytes, Qcow2Entries.ZeroFlag);
        if (!await WriteCheckedAsync(bytes, at, active ? Qcow2Metadata.ActiveL2 : Qcow2Metadata.InactiveL2, ct))
        {
            Say("ERROR: Overlap check failed");
            throw Abort(res, "Input/output error");
        }
        res.Corruptions--;
        res.CorruptionsFixed++;
        return true;
    }
}
