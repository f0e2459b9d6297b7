using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Checker
{
    private readonly Dictionary<long, byte[]> _blocks = new();
    private readonly HashSet<long> _dirtyBlocks = [];
    private ulong[] _refTable = [];

    private async Task<(byte[]? Block, long Offset)> BlockForAsync(long cluster, CancellationToken ct)
    {
        var perBlock = _cs * 8 / _h.RefcountBits;
        var idx = cluster / perBlock;
        if (idx >= _refTable.Length) return (null, 0);
        var off = (long)(_refTable[idx] & ~511UL);
        if (off == 0 || off % _cs != 0 || off / _cs >= _fileClusters) return (null, 0);
        if (!_blocks.TryGetValue(off, out var b))
        {
            b = new byte[_cs];
            await ReadAsync(_file, b, off, ct);
            _blocks[off] = b;
        }
        return (b, off);
    }

    private async Task<ulong> StoredAsync(long cluster, CancellationToken ct)
    {
        var (b, _) = await BlockForAsync(cluster, ct);
        return b is null ? 0 : Qcow2Builder.GetRefcount(b, cluster % (_cs * 8 / _h.RefcountBits), _h.RefcountBits);
    }

    private async Task CompareAsync(RepairMode repair, CancellationToken ct)
    {
        _refTable = await ReadTableAsync((long)_h.RefcountTableOffset, _h.RefcountTableClusters * _cs / 8, ct);
        var perBlock = _cs * 8 / _h.RefcountBits;
        for (long c = 0; c < _fileClusters; c++)
        {
            var stored = await StoredAsync(c, ct);
            var computed = _computed.GetValueOrDefault(c);
            if (stored == computed) continue;
            var fixable = stored > computed ? (repair & RepairMode.Leaks) != 0 : (repair & RepairMode.Errors) != 0;
            var (block, blockOffset) = await BlockForAsync(c, ct);
            if (fixable && block is null)
            {
                _r.Messages.Add($"ERROR cluster {c} refcount={stored} reference={computed}: its refcount block is missing; rebuilding the refcount structure is not supported yet");
                fixable = false;
            }
            _r.Messages.Add($"{(fixable ? "Repairing" : stored < computed ? "ERROR" : "Leaked")} cluster {c} refcount={stored} reference={computed}");
            if (fixable)
            {
                Qcow2Builder.SetRefcount(block, c % perBlock, computed, _h.RefcountBits);
                _dirtyBlocks.Add(blockOffset);
                if (stored > computed) _r.LeaksFixed++; else _r.CorruptionsFixed++;
            }
            else if (stored < computed) _r.Corruptions++;
            else _r.Leaks++;
        }
        await CheckCopiedFlagsAsync(repair, ct);
        foreach (var off in _dirtyBlocks)
            await RandomAccess.WriteAsync(_file, _blocks[off], off, ct);
        if (_dirtyBlocks.Count > 0) RandomAccess.FlushToDisk(_file);
    }

    /// <summary>QCOW_OFLAG_COPIED must be set exactly on active L2 tables and data clusters whose refcount is 1.</summary>
    private async Task CheckCopiedFlagsAsync(RepairMode repair, CancellationToken ct)
    {
        var l1 = await ReadTableAsync((long)_h.L1TableOffset, _h.L1Size, ct);
        var l1Dirty = false;
        for (var i = 0; i < l1.Length; i++)
        {
            var l2 = Qcow2Entries.L1Offset(l1[i]);
            if (l2 == 0 || l2 % _cs != 0 || l2 / _cs >= _fileClusters) continue;
            var rc = await StoredAsync(l2 / _cs, ct);
            if ((rc == 1) != ((l1[i] & Qcow2Entries.Copied) != 0))
            {
                var fix = (repair & RepairMode.Errors) != 0;
                _r.Messages.Add($"{(fix ? "Repairing" : "ERROR")} OFLAG_COPIED L2 cluster: l1_index={i} l1_entry={l1[i]:x} refcount={rc}");
                if (fix) { l1[i] ^= Qcow2Entries.Copied; l1Dirty = true; _r.CorruptionsFixed++; }
                else _r.Corruptions++;
            }
            var table = await ReadTableAsync(l2, _cs / 8, ct);
            var dirty = false;
            for (var j = 0; j < table.Length; j += _h.ExtendedL2 ? 2 : 1)
            {
                var e = table[j];
                if ((e & Qcow2Entries.Compressed) != 0) continue;
                var host = Qcow2Entries.StandardOffset(e);
                if (host == 0 || host % _cs != 0 || host / _cs >= _fileClusters) continue;
                var drc = await StoredAsync(host / _cs, ct);
                if ((drc == 1) == ((e & Qcow2Entries.Copied) != 0)) continue;
                var fix = (repair & RepairMode.Errors) != 0;
                _r.Messages.Add($"{(fix ? "Repairing" : "ERROR")} OFLAG_COPIED data cluster: l2_entry={e:x} refcount={drc}");
                if (fix) { table[j] ^= Qcow2Entries.Copied; dirty = true; _r.CorruptionsFixed++; }
                else _r.Corruptions++;
            }
            if (dirty) await WriteTableAsync(l2, table, ct);
        }
        if (l1Dirty) await WriteTableAsync((long)_h.L1TableOffset, l1, ct);
    }

    private async Task WriteTableAsync(long offset, ulong[] table, CancellationToken ct)
    {
        var bytes = new byte[table.Length * 8];
        for (var i = 0; i < table.Length; i++) BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(i * 8), table[i]);
        await RandomAccess.WriteAsync(_file, bytes, offset, ct);
    }
}
