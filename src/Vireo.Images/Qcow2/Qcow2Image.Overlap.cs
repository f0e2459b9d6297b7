using System.Buffers.Binary;

namespace Vireo.Images.Qcow2;

/// <summary>
/// The metadata overlap check (qemu's qcow2_pre_write_overlap_check, overlap-check=all): every write to
/// the file first checks its clusters against the image's metadata, so an allocation that lands on
/// metadata because the refcounts lie, or an L2 entry that points at metadata, never overwrites it.
/// A failed check is a fatal corruption event, as in qemu: pending changes are dropped, the corrupt bit
/// is set (version 3) and the image refuses every later operation.
/// </summary>
public sealed partial class Qcow2Image
{
    private Qcow2MetadataMap? _metadata;
    private readonly Dictionary<ulong, ulong[]> _snapshotL1s = new();
    private string? _corruptionEvent;
    private string? _abandoned;

    /// <summary>True once the image takes no more operations (see <see cref="EnsureUsable"/>).</summary>
    private bool Unusable => _corruptionEvent is not null || _abandoned is not null;

    /// <summary>
    /// An operation that fails part way leaves changes in memory that belong to no consistent state: they
    /// are dropped, never flushed, and the image takes no more operations (the file keeps its last flushed,
    /// consistent state). Used as an exception filter, so it never catches.
    /// </summary>
    private bool Abandon(Exception e)
    {
        if (Unusable) return false;
        DropPendingChanges();
        _abandoned = e.Message;
        return false;
    }

    /// <summary>Forgets the metadata map; the next check rebuilds it from the structures as they are now.</summary>
    private void InvalidateMetadataMap() => _metadata = null;

    /// <summary>Records new metadata in the map, if one is built (otherwise the next build finds it).</summary>
    private void AddMetadata(long offset, long length, Qcow2Metadata kind) => _metadata?.Add(offset, length, kind);

    private async ValueTask<Qcow2MetadataMap> MetadataMapAsync(CancellationToken ct)
    {
        if (_metadata is { } built) return built;
        var m = new Qcow2MetadataMap(Header.ClusterBits);
        m.Add(0, ClusterSize, Qcow2Metadata.Header);
        m.Add((long)Header.L1TableOffset, _l1.Length * 8L, Qcow2Metadata.ActiveL1);
        foreach (var e in _l1) m.AddPointed(Qcow2Entries.L1Offset(e), ClusterSize, Qcow2Metadata.ActiveL2);
        var refTable = await RefTableAsync(ct);
        m.Add((long)Header.RefcountTableOffset, Header.RefcountTableClusters * ClusterSize, Qcow2Metadata.RefcountTable);
        foreach (var e in refTable) m.AddPointed((long)(e & ~511UL), ClusterSize, Qcow2Metadata.RefcountBlock);
        if (_snapshots.Count > 0)
            m.Add((long)Header.SnapshotsOffset, Qcow2SnapshotTable.Write(_snapshots).Length, Qcow2Metadata.SnapshotTable);
        foreach (var snap in _snapshots)
        {
            m.Add((long)snap.L1TableOffset, snap.L1Size * 8L, Qcow2Metadata.InactiveL1);
            foreach (var e in await SnapshotL1Async(snap, ct)) m.AddPointed(Qcow2Entries.L1Offset(e), ClusterSize, Qcow2Metadata.InactiveL2);
        }
        if (_bitmapExtension is { } ext)
        {
            m.Add((long)ext.DirectoryOffset, (long)ext.DirectorySize, Qcow2Metadata.BitmapDirectory);
            for (var i = 0; i < _bitmaps.Count; i++)
            {
                m.Add((long)_bitmaps[i].TableOffset, _bitmaps[i].TableSize * 8L, Qcow2Metadata.BitmapTable);
                foreach (var e in await BitmapTableAsync(i, ct)) m.AddPointed(Qcow2BitmapDirectory.DataOffset(e), ClusterSize, Qcow2Metadata.BitmapData);
            }
        }
        return _metadata = m;
    }

    /// <summary>A snapshot's L1 table, read once: snapshot L1 tables never change in place.</summary>
    private async ValueTask<ulong[]> SnapshotL1Async(Qcow2Snapshot snap, CancellationToken ct)
    {
        if (_snapshotL1s.TryGetValue(snap.L1TableOffset, out var l1) && l1.Length == snap.L1Size) return l1;
        return _snapshotL1s[snap.L1TableOffset] = await ReadL1Async(snap, ct);
    }

    /// <summary>
    /// Refuses a write of [offset, offset+length) that would touch metadata other than <paramref name="allowed"/>
    /// (the structure being written itself).
    /// </summary>
    private async ValueTask CheckOverlapAsync(long offset, long length, Qcow2Metadata allowed, CancellationToken ct)
    {
        var map = await MetadataMapAsync(ct);
        var hit = map.Overlaps(offset, length) & ~allowed;
        if (hit != Qcow2Metadata.None)
            throw await SignalCorruptionAsync($"Preventing invalid write on metadata (overlaps with {Qcow2MetadataMap.Name(hit)})", ct);
    }

    /// <summary>Every write of this image's file goes through here.</summary>
    private async ValueTask WriteCheckedAsync(ReadOnlyMemory<byte> data, long offset, Qcow2Metadata allowed, CancellationToken ct)
    {
        EnsureUsable();
        await CheckOverlapAsync(offset, data.Length, allowed, ct);
        await RandomAccess.WriteAsync(_file, data, offset, ct);
    }

    /// <summary>
    /// qemu's qcow2_signal_corruption. On a writable image (fatal): pending changes are dropped, the corrupt
    /// bit is written and the image becomes unusable. On a read-only one the operation just fails.
    /// </summary>
    private async ValueTask<Exception> SignalCorruptionAsync(string what, CancellationToken ct)
    {
        if (!Writable) return new InvalidDataException($"qcow2: Image is corrupt: {what}");
        if (_corruptionEvent is null)
        {
            _corruptionEvent = what;
            DropPendingChanges();
            if (Header.Version >= 3)
            {
                Header.IncompatibleFeatures |= Qcow2Header.IncompatCorrupt;
                var field = new byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(field, Header.IncompatibleFeatures);
                await RandomAccess.WriteAsync(_file, field, 72, ct);
                RandomAccess.FlushToDisk(_file);
            }
        }
        return new Qcow2CorruptionException(Path, what);
    }

    private void DropPendingChanges()
    {
        _dirtyRefBlocks.Clear();
        _dirtyL2.Clear();
        _l1Dirty = _refTableDirty = _headerDirty = false;
        _dirtyBitmapData.Clear();
        _dirtyBitmapTables.Clear();
        _markedInUse.Clear();
    }

    /// <summary>After a corruption event the image takes no more reads or writes (qemu drops the driver).</summary>
    private void EnsureUsable()
    {
        if (_corruptionEvent is not null)
            throw new InvalidDataException($"qcow2: '{Path}' was marked corrupt ({_corruptionEvent}); run 'vireo img check -r all' on it");
        if (_abandoned is not null)
            throw new InvalidOperationException($"'{Path}': an earlier operation failed part way ({_abandoned}); its changes were dropped");
    }
}
