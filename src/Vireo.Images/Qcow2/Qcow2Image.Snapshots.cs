
namespace Vireo.Images.Qcow2;

/// <summary>Internal snapshots: create, apply and delete, keeping refcounts and COPIED flags as qemu does.</summary>
public sealed partial class Qcow2Image
{
    public Qcow2Snapshot? FindSnapshot(string nameOrId) =>
        _snapshots.FirstOrDefault(s => s.Id == nameOrId) ?? _snapshots.FirstOrDefault(s => s.Name == nameOrId);

    public async Task CreateSnapshotAsync(string name, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            await FlushAsync(ct);
            // Everything the active L1 reaches gains the snapshot's reference.
            await AddL1RefsAsync(_l1, +1, ct);
            var l1Clusters = (int)Math.Max(1, (_l1.Length * 8L + ClusterSize - 1) / ClusterSize);
            var copyOffset = _l1.Length == 0 ? 0 : await AllocateClustersAsync(l1Clusters, ct);
            var copy = _l1.Select(e => e & ~Qcow2Entries.Copied).ToArray();
            if (copy.Length > 0) await WriteCheckedAsync(ToBytes(copy), copyOffset, Qcow2Metadata.None, ct);
            var now = DateTimeOffset.UtcNow;
            var nextId = _snapshots.Select(s => int.TryParse(s.Id, out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
            var snap = new Qcow2Snapshot((ulong)copyOffset, (uint)_l1.Length, nextId.ToString(), name,
                (uint)now.ToUnixTimeSeconds(), (uint)(now.ToUnixTimeMilliseconds() % 1000 * 1_000_000 + now.Ticks / 10 % 1000 * 1000),
                0, 0, (ulong)VirtualSize, 0, Qcow2SnapshotTable.Extra(0, (ulong)VirtualSize, 0));
            await RecomputeCopiedFlagsAsync(ct);
            await WriteSnapshotTableAsync([.. _snapshots, snap], ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    public async Task DeleteSnapshotAsync(string nameOrId, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            var snap = FindSnapshot(nameOrId) ?? throw new InvalidOperationException($"Could not delete snapshot '{nameOrId}': snapshot not found");
            await FlushAsync(ct);
            var l1 = await ReadL1Async(snap, ct);
            await ValidateMappingAsync(l1, ct);
            await ValidateActiveMappingAsync(ct);
            await EnsureReleasableAsync(snap, l1, ct);
            // As qemu: the snapshot leaves the table first, so a failure after this point can only leak clusters.
            await WriteSnapshotTableAsync(_snapshots.Where(s => s != snap).ToList(), ct);
            await AddL1RefsAsync(l1, -1, ct);
            if (snap.L1Size > 0) await AddRefAsync((long)snap.L1TableOffset, snap.L1Size * 8L, -1, ct);
            await RecomputeCopiedFlagsAsync(ct);
            await FlushAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    /// <summary>Makes the snapshot's contents the active image again (qemu-img snapshot -a).</summary>
    public async Task ApplySnapshotAsync(string nameOrId, CancellationToken ct = default)
    {
        try
        {
            EnsureWritable();
            var snap = FindSnapshot(nameOrId) ?? throw new InvalidOperationException($"Could not apply snapshot '{nameOrId}': snapshot not found");
            if (snap.DiskSize is { } other && other != Header.Size)
            {
                RefuseWithBitmaps("revert to a snapshot of another size in");
                // The size comes back with the snapshot's L1 table, which must be able to map it.
                var perL1 = (ulong)(Header.L2Entries * ClusterSize);
                if (other > long.MaxValue / 2 || (other + perL1 - 1) / perL1 > Math.Max((ulong)_l1.Length, snap.L1Size))
                    throw new InvalidDataException($"qcow2: snapshot '{snap.Name}' records a disk size of {other} bytes, more than its L1 table maps");
            }
            await ValidateMappingAsync(await ReadL1Async(snap, ct), ct);
            await ValidateActiveMappingAsync(ct);
            // Reverting changes the guest's data anywhere: enabled bitmaps must show all of it as changed.
            await MarkDirtyAsync(0, VirtualSize, ct);
            await FlushAsync(ct);
            var snapL1 = await ReadL1Async(snap, ct);
            if (snapL1.Length > _l1.Length) await GrowL1Async(snapL1.Length, ct);
            await AddL1RefsAsync(snapL1, +1, ct);
            var old = _l1;
            var active = new ulong[_l1.Length];
            Array.Copy(snapL1, active, snapL1.Length);
            await AddL1RefsAsync(old, -1, ct);
            _l1 = active;
            _l1Dirty = true;
            InvalidateMetadataMap();
            lock (_cacheLock) { _l2Cache.Clear(); _l2Order.Clear(); }
            _dirtyL2.Clear();
            _lastCompressed = null;
            if (snap.DiskSize is { } size && size != Header.Size) { Header.Size = size; _headerDirty = true; }
            await RecomputeCopiedFlagsAsync(ct);
            await FlushAsync(ct);
        }
        catch (Exception e) when (Abandon(e))
        {
            throw;
        }
    }

    private async Task<ulong[]> ReadL1Async(Qcow2Snapshot snap, CancellationToken ct)
    {
        if ((long)snap.L1Size * 8 > Qcow2Header.MaxL1Bytes || snap.L1TableOffset % (ulong)ClusterSize != 0)
            throw new InvalidDataException($"qcow2: snapshot '{snap.Name}' has an invalid L1 table");
        return await Qcow2Tables.ReadAsync(_file, (long)snap.L1TableOffset, snap.L1Size, ct);
    }

    /// <summary>Adds delta to every L2 table and data cluster an L1 table reaches (one reference per L1, as qemu counts).</summary>
    private async Task AddL1RefsAsync(ulong[] l1, int delta, CancellationToken ct)
    {
        var step = Header.ExtendedL2 ? 2 : 1;
        for (var l1Index = 0; l1Index < l1.Length; l1Index++)
        {
            var l2 = Qcow2Entries.L1Offset(l1[l1Index]);
            if (l2 == 0) continue;
            ct.ThrowIfCancellationRequested();
            var table = await MappedL2Async(l1Index, l2, ct);
            for (var i = 0; i < table.Length; i += step)
            {
                var entry = table[i];
                if ((entry & Qcow2Entries.Compressed) != 0)
                {
                    var (coff, clen) = Qcow2Entries.CompressedRange(entry, Header.ClusterBits);
                    await AddRefAsync(coff, clen, delta, ct);
                }
                else if (await MappedClusterAsync(l2, i / step, entry, ct) is var host and not 0)
                    await AddRefAsync(host, ClusterSize, delta, ct);
            }
            await AddRefAsync(l2, ClusterSize, delta, ct);
        }
    }

    private async Task<ulong[]> L2AtAsync(long offset, CancellationToken ct)
    {
        lock (_cacheLock)
            if (_l2Cache.TryGetValue(offset, out var cached)) return cached;
        return await Qcow2Tables.ReadAsync(_file, offset, ClusterSize / 8, ct);
    }

    /// <summary>COPIED is set exactly where the refcount is 1, on active L1 entries and the entries of active L2 tables.</summary>
    private async Task RecomputeCopiedFlagsAsync(CancellationToken ct)
    {
        var step = Header.ExtendedL2 ? 2 : 1;
        for (var i = 0; i < _l1.Length; i++)
        {
            var l2 = Qcow2Entries.L1Offset(_l1[i]);
            if (l2 == 0) continue;
            var want = await GetRefcountAsync(l2 / ClusterSize, ct) == 1;
            var flagged = (_l1[i] & Qcow2Entries.Copied) != 0;
            if (want != flagged) { _l1[i] ^= Qcow2Entries.Copied; _l1Dirty = true; }
            var table = await MappedL2Async(i, l2, ct);
            var changed = false;
            for (var j = 0; j < table.Length; j += step)
            {
                var entry = table[j];
                if ((entry & Qcow2Entries.Compressed) != 0) continue;
                var host = await MappedClusterAsync(l2, j / step, entry, ct);
                if (host == 0) continue;
                var dataWant = await GetRefcountAsync(host / ClusterSize, ct) == 1;
                if (dataWant != ((entry & Qcow2Entries.Copied) != 0)) { table[j] ^= Qcow2Entries.Copied; changed = true; }
            }
            if (changed)
            {
                lock (_cacheLock)
                {
                    if (!_l2Cache.ContainsKey(l2)) { _l2Cache[l2] = table; _l2Order.Enqueue(l2); }
                }
                _dirtyL2.Add(l2);
            }
        }
    }

    private async Task WriteSnapshotTableAsync(List<Qcow2Snapshot> snapshots, CancellationToken ct, long? oldTableSize = null)
    {
        var oldOffset = (long)Header.SnapshotsOffset;
        var oldSize = oldTableSize ?? Qcow2SnapshotTable.Write(_snapshots).Length;
        var bytes = Qcow2SnapshotTable.Write(snapshots);
        long newOffset = 0;
        if (bytes.Length > 0)
        {
            newOffset = await AllocateClustersAsync((int)((bytes.Length + ClusterSize - 1) / ClusterSize), ct);
            await WriteCheckedAsync(bytes, newOffset, Qcow2Metadata.None, ct);
        }
        Header.SnapshotsOffset = (ulong)newOffset;
        Header.NbSnapshots = (uint)snapshots.Count;
        _headerDirty = true;
        await FlushAsync(ct);
        _snapshots = snapshots;
        InvalidateMetadataMap();
        try
        {
            if (oldSize > 0 && oldOffset != 0) await AddRefAsync(oldOffset, oldSize, -1, ct);
        }
        catch (InvalidDataException) when (oldTableSize is not null)
        {
            // Repairing a broken table (check -r all): an old table whose clusters were never counted just stays leaked, as in qemu.
        }
        await FlushAsync(ct);
    }
}
