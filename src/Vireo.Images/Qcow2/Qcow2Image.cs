using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Qcow2;

/// <summary>
/// A qcow2 image: guest offset -> L1 -> cached L2 -> cluster, falling through to the backing
/// image for unallocated clusters. Reading here; writing in the partial files beside it.
/// </summary>
public sealed partial class Qcow2Image : DiskImage
{
    private const int L2CacheTables = 64;
    private readonly SafeFileHandle _file;
    private ulong[] _l1;
    private readonly Dictionary<long, ulong[]> _l2Cache = new();
    private readonly Queue<long> _l2Order = new();
    private readonly object _cacheLock = new();

    private Qcow2Image(string path, SafeFileHandle file, Qcow2Header header, ulong[] l1, List<Qcow2Snapshot> snapshots, bool writable)
    {
        Path = path;
        _file = file;
        Header = header;
        _l1 = l1;
        _snapshots = snapshots;
        Writable = writable;
    }

    private List<Qcow2Snapshot> _snapshots;

    public override string Format => "qcow2";
    public override string Path { get; }
    public override long VirtualSize => (long)Header.Size;
    public Qcow2Header Header { get; }
    public IReadOnlyList<Qcow2Snapshot> Snapshots => _snapshots;
    public bool Writable { get; }
    public long ClusterSize => Header.ClusterSize;
    public long FileLength => RandomAccess.GetLength(_file);

    /// <summary>
    /// Where data may lie, for the per-cluster corruption check on the read path: the file length at open
    /// (read once, not one fstat per cluster) or past it, where this image has allocated clusters since.
    /// </summary>
    private long DataLimit => Math.Max(_lengthAtOpen, _endCluster * ClusterSize);

    private long _lengthAtOpen;

    public static async Task<Qcow2Image> OpenAsync(string path, bool writable = false, CancellationToken ct = default)
    {
        if (writable) await RepairIfDirtyAsync(path, ct);
        var image = await OpenCoreAsync(path, writable, ct);
        // Spec: a writer must clear the autoclear bits it does not maintain. Valid bitmaps are
        // maintained (Qcow2Image.Bitmaps.cs); anything else is cleared.
        var keep = image._bitmapExtension is null ? 0 : Qcow2Header.AutoclearBitmaps;
        if (writable && (image.Header.AutoclearFeatures & ~keep) != 0)
        {
            image.Header.AutoclearFeatures &= keep;
            image._headerDirty = true;
        }
        return image;
    }

    /// <summary>With lazy refcounts a crash leaves the dirty bit set and refcounts stale: repair them before writing, as qemu does.</summary>
    private static async Task RepairIfDirtyAsync(string path, CancellationToken ct)
    {
        using (var probe = await OpenCoreAsync(path, false, ct))
            if (!probe.Header.Dirty) return;
        var result = await Qcow2Checker.CheckAsync(path, RepairMode.All, ct);
        if (result.Corruptions > 0)
            throw new InvalidDataException($"qcow2: '{path}' has the dirty bit set and its refcounts could not be repaired ({result.Corruptions} errors left)");
        using var fix = await OpenCoreAsync(path, true, ct);
        fix.Header.IncompatibleFeatures &= ~Qcow2Header.IncompatDirty;
        fix._headerDirty = true;
        await fix.FlushAsync(ct);
    }

    /// <summary>
    /// For 'check -r all': writes <paramref name="snapshots"/> as the image's snapshot table (the one on
    /// disk could not be used as it was) and frees the old table's <paramref name="oldTableSize"/> bytes.
    /// </summary>
    internal static async Task RewriteSnapshotTableAsync(string path, List<Qcow2Snapshot> snapshots, long oldTableSize, CancellationToken ct)
    {
        using var image = await OpenCoreAsync(path, true, ct, snapshots);
        try
        {
            await image.WriteSnapshotTableAsync(snapshots, ct, oldTableSize);
        }
        catch (Exception e) when (image.Abandon(e))
        {
            throw;
        }
    }

    private static async Task<Qcow2Image> OpenCoreAsync(string path, bool writable, CancellationToken ct, List<Qcow2Snapshot>? snapshotsForRepair = null)
    {
        var file = File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite);
        try
        {
            var length = RandomAccess.GetLength(file);
            var header = await Qcow2Tables.ReadHeaderAsync(file, length, ct, forCheck: snapshotsForRepair is not null);
            var l1 = await Qcow2Tables.ReadAsync(file, (long)header.L1TableOffset, header.L1Size, ct);
            var snapshots = snapshotsForRepair ?? [];
            if (snapshotsForRepair is null && header.NbSnapshots > 0)
            {
                var tableBytes = new byte[Math.Min(length - (long)header.SnapshotsOffset, 64L * 1024 * 1024)];
                await ReadExactAsync(file, tableBytes, (long)header.SnapshotsOffset, ct);
                snapshots = Qcow2Snapshot.ReadTable(tableBytes, header.NbSnapshots, (long)header.SnapshotsOffset);
            }
            if (writable && header.Corrupt && snapshotsForRepair is null)
                throw new InvalidDataException($"Could not open '{path}': qcow2: Image is corrupt; cannot be opened read/write (repair it with 'vireo img check -r all')");
            var (bitmapExtension, bitmaps) = await ReadBitmapsAsync(file, header, length, ct);
            return new Qcow2Image(path, file, header, l1, snapshots, writable)
            {
                _lengthAtOpen = length, _bitmapExtension = bitmapExtension, _bitmaps = bitmaps,
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    internal void AttachBacking(DiskImage backing) => Backing = backing;

    /// <summary>For tests that open an image directly and want its backing file read through.</summary>
    public void AttachBackingForTest(DiskImage backing) => Backing = backing;

    private static ValueTask ReadExactAsync(SafeFileHandle f, Memory<byte> buffer, long offset, CancellationToken ct) =>
        Qcow2Tables.ReadExactAsync(f, buffer, offset, ct);

    /// <summary>The L2 table (entries, two ulongs each with extended_l2) for guest cluster index, or null if unallocated.</summary>
    private async ValueTask<ulong[]?> L2TableAsync(long l1Index, CancellationToken ct)
    {
        if (l1Index >= _l1.Length) return null;
        var offset = Qcow2Entries.L1Offset(_l1[l1Index]);
        if (offset == 0) return null;
        lock (_cacheLock)
            if (_l2Cache.TryGetValue(offset, out var cached)) return cached;
        if (offset % ClusterSize != 0)
            throw await SignalCorruptionAsync($"L2 table offset {Hex(offset)} unaligned (L1 index: {Hex(l1Index)})", ct);
        if (offset + ClusterSize > FileLength)
            throw new InvalidDataException($"qcow2: L1 entry {l1Index} points to 0x{offset:x}, past the end of the file");
        var table = await Qcow2Tables.ReadAsync(_file, offset, ClusterSize / 8, ct);
        lock (_cacheLock)
        {
            if (_l2Cache.TryAdd(offset, table))
            {
                _l2Order.Enqueue(offset);
                // Tables with unwritten changes stay until the next flush.
                if (_l2Order.Count > L2CacheTables && !_dirtyL2.Contains(_l2Order.Peek())) _l2Cache.Remove(_l2Order.Dequeue());
            }
            else table = _l2Cache[offset];
        }
        return table;
    }

    public override void Dispose()
    {
        if (Writable && HasUnflushedChanges && !Unusable) FlushAsync().AsTask().GetAwaiter().GetResult();
        _file.Dispose();
        base.Dispose();
    }
}
