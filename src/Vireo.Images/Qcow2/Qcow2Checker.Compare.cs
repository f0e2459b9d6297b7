using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Checker
{
    private readonly Dictionary<long, byte[]> _blocks = new();
    private readonly HashSet<long> _dirtyBlocks = [];
    private ulong[] _refTable = [];

    /// <summary>
    /// Resolves a cluster's refcount block without I/O when it can: true with the block (or null when the
    /// cluster has none), false when the block must be read first. Keeps the per-cluster loops synchronous.
    /// </summary>
    private bool TryCachedBlock(long cluster, out byte[]? block, out long offset)
    {
        block = null;
        offset = 0;
        var perBlock = _cs * 8 / _h.RefcountBits;
        var idx = cluster / perBlock;
        if (idx >= _refTable.Length) return true;
        var off = (long)(_refTable[idx] & ~511UL);
        if (off == 0 || off % _cs != 0) return true;
        if (_blocks.TryGetValue(off, out block)) { offset = off; return true; }
        if (off / _cs >= _fileClusters) return true;
        offset = off;
        return false;
    }

    private async ValueTask<(byte[]? Block, long Offset)> BlockForAsync(long cluster, CancellationToken ct)
    {
        if (TryCachedBlock(cluster, out var b, out var off)) return (b, off);
        b = new byte[_cs];
        await ReadAsync(_file, b, off, ct);
        _blocks[off] = b;
        return (b, off);
    }

    private async ValueTask<ulong> StoredAsync(long cluster, CancellationToken ct)
    {
        var (b, _) = TryCachedBlock(cluster, out var cached, out var off) ? (cached, off) : await BlockForAsync(cluster, ct);
        return b is null ? 0 : Qcow2Builder.GetRefcount(b, cluster % (_cs * 8 / _h.RefcountBits), _h.RefcountBits);
    }

    private async Task CompareAsync(RepairMode repair, CancellationToken ct)
    {
        _refTable = await ReadTableAsync((long)_h.RefcountTableOffset, _h.RefcountTableClusters * _cs / 8, ct);
        var perBlock = _cs * 8 / _h.RefcountBits;
        if ((repair & RepairMode.Errors) != 0 && await NeedsRebuildAsync(ct))
        {
            await RebuildAsync(ct);
            await CheckCopiedFlagsAsync(repair, ct);
            return;
        }
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

    /// <summary>A cluster in use whose refcount block is missing cannot be fixed in place: the structure is rebuilt.</summary>
    private async Task<bool> NeedsRebuildAsync(CancellationToken ct)
    {
        foreach (var c in _computed.Keys)
            if ((await BlockForAsync(c, ct)).Block is null) return true;
        return false;
    }

    /// <summary>
    /// Writes a complete new refcount table and blocks past the end of the image, from the computed
    /// references (the new structures count themselves), then points the header at them. The old
    /// structures become free space.
    /// </summary>
    private async Task RebuildAsync(CancellationToken ct, int? newRefcountBits = null)
    {
        var bits = newRefcountBits ?? _h.RefcountBits;
        if (newRefcountBits is null) _r.Messages.Add("Rebuilding refcount structure");
        var perBlock = _cs * 8 / bits;
        var start = Math.Max(_fileClusters, _computed.Keys.DefaultIfEmpty(0).Max() + 1);
        long blocks = 0, table = 1;
        while (true)
        {
            var total = start + blocks + table;
            var needBlocks = (total + perBlock - 1) / perBlock;
            var needTable = Math.Max(1, (needBlocks * 8 + _cs - 1) / _cs);
            if (needBlocks == blocks && needTable == table) break;
            (blocks, table) = (needBlocks, needTable);
        }
        // The old table and blocks are no longer referenced once the header points at the new ones.
        var counts = new Dictionary<long, ulong>(_computed);
        void Drop(long cluster)
        {
            if (counts.TryGetValue(cluster, out var n)) { if (n <= 1) counts.Remove(cluster); else counts[cluster] = n - 1; }
        }
        for (var i = 0L; i < _h.RefcountTableClusters; i++) Drop((long)_h.RefcountTableOffset / _cs + i);
        foreach (var e in _refTable)
            if ((long)(e & ~511UL) is var bo and not 0 && bo % _cs == 0) Drop(bo / _cs);
        for (var c = start; c < start + table + blocks; c++) counts[c] = 1;
        var newTable = new ulong[table * _cs / 8];
        var newBlocks = new Dictionary<long, byte[]>();
        for (long b = 0; b < blocks; b++)
        {
            var off = (start + table + b) * _cs;
            newTable[b] = (ulong)off;
            newBlocks[off] = new byte[_cs];
        }
        if (newRefcountBits is null)
            for (long c = 0; c < _fileClusters; c++)
            {
                var stored = await StoredAsync(c, ct);
                var computed = counts.GetValueOrDefault(c);
                if (stored == computed) continue;
                _r.Messages.Add($"Repairing cluster {c} refcount={stored} reference={computed}");
                if (stored < computed) _r.CorruptionsFixed++; else _r.LeaksFixed++;
            }
        var max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        foreach (var (c, n) in counts)
        {
            if (n > max) throw new InvalidOperationException($"cluster {c} has {n} references, more than refcount_bits={bits} can hold");
            Qcow2Builder.SetRefcount(newBlocks[(start + table + c / perBlock) * _cs], c % perBlock, n, bits);
        }
        foreach (var (off, data) in newBlocks) await RandomAccess.WriteAsync(_file, data, off, ct);
        await WriteTableAsync(start * _cs, newTable, ct);
        RandomAccess.FlushToDisk(_file);
        var header = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(header, (ulong)(start * _cs));
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)table);
        if (newRefcountBits is not null)
        {
            // The new width and the new table switch together in one sector write.
            var first = new byte[512];
            await RandomAccess.ReadAsync(_file, first, 0, ct);
            header.CopyTo(first, 48);
            BinaryPrimitives.WriteUInt32BigEndian(first.AsSpan(96), (uint)System.Numerics.BitOperations.Log2((uint)bits));
            await RandomAccess.WriteAsync(_file, first, 0, ct);
        }
        else await RandomAccess.WriteAsync(_file, header, 48, ct);
        RandomAccess.FlushToDisk(_file);
        _refTable = newTable;
        _blocks.Clear();
        foreach (var (off, data) in newBlocks) _blocks[off] = data;
        _dirtyBlocks.Clear();
    }

    private async Task WriteTableAsync(long offset, ulong[] table, CancellationToken ct)
    {
        await RandomAccess.WriteAsync(_file, Qcow2Tables.ToBytes(table), offset, ct);
    }
}
