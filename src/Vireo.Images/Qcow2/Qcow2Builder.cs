using Microsoft.Win32.SafeHandles;

namespace Vireo.Images.Qcow2;

/// <summary>
/// Writes a new qcow2 image front to back: data and L2 tables are appended as they come, and
/// refcounts are computed once at the end from everything that was placed. Used by create and
/// by convert, so both produce images qemu-img check finds clean.
/// </summary>
public sealed partial class Qcow2Builder : IAsyncDisposable
{
    private readonly SafeFileHandle _file;
    private readonly Qcow2Header _header;
    private readonly ulong[] _l1;
    private readonly Dictionary<long, ulong[]> _l2 = new();     // l1 index -> entries (x2 with extended L2)
    private readonly Dictionary<long, long> _l2Offsets = new();  // l1 index -> host offset
    private readonly Dictionary<long, int> _refcounts = new();   // host cluster index -> refcount
    private readonly long _cs;
    private long _next;               // next free byte (cluster aligned except inside the compressed area)
    private long _compressedCursor = -1;
    private readonly long _reservedRefTable = -1, _reservedRefBlock = -1;
    private readonly Qcow2MetadataMap _metadata;

    public Qcow2Header Header => _header;

    private Qcow2Builder(SafeFileHandle file, Qcow2Header header, bool qemuLayout)
    {
        _file = file;
        _header = header;
        _cs = header.ClusterSize;
        _l1 = new ulong[header.L1Size];
        _metadata = new Qcow2MetadataMap(header.ClusterBits);
        Ref(0); // header
        _metadata.Add(0, _cs, Qcow2Metadata.Header);
        _next = _cs;
        if (qemuLayout)
        {
            // qemu's layout for a fresh image: refcount table, one refcount block, then L1.
            _reservedRefTable = Allocate();
            _reservedRefBlock = Allocate();
            _metadata.Add(_reservedRefTable, _cs, Qcow2Metadata.RefcountTable);
            _metadata.Add(_reservedRefBlock, _cs, Qcow2Metadata.RefcountBlock);
        }
        header.L1TableOffset = (ulong)_next;
        var l1Clusters = Math.Max(1, (header.L1Size * 8L + _cs - 1) / _cs);
        for (var i = 0; i < l1Clusters; i++) Allocate();
        _metadata.Add((long)header.L1TableOffset, l1Clusters * _cs, Qcow2Metadata.ActiveL1);
    }

    /// <summary>
    /// Defence in depth: data never lands on the image's own metadata. The builder places both, so this can
    /// only fail on a bug in its bookkeeping, never on input; the cost is one lookup per cluster written.
    /// </summary>
    private void CheckDataWrite(long hostOffset, long length)
    {
        if (_metadata.Overlaps(hostOffset, length) is var hit and not Qcow2Metadata.None)
            throw new InvalidOperationException($"internal error: a data write at 0x{hostOffset:x} would overwrite the {Qcow2MetadataMap.Name(hit)}");
    }

    public static Qcow2Builder Create(string path, Qcow2CreateOptions o, bool qemuLayout = true)
    {
        var problems = o.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        var clusterBits = System.Numerics.BitOperations.Log2((ulong)o.ClusterSize);
        var h = new Qcow2Header
        {
            Version = (uint)o.Version,
            ClusterBits = clusterBits,
            Size = (ulong)o.Size,
            RefcountOrder = System.Numerics.BitOperations.Log2((ulong)o.RefcountBits),
            HeaderLength = o.Version == 3 ? 112u : Qcow2Header.V2Length,
            CompressionType = (byte)(o.CompressionType == "zstd" ? 1 : 0),
            BackingFile = o.BackingFile,
        };
        if (o.LazyRefcounts) h.CompatibleFeatures |= Qcow2Header.CompatLazyRefcounts;
        if (o.ExtendedL2) h.IncompatibleFeatures |= Qcow2Header.IncompatExtendedL2;
        if (h.CompressionType != 0) h.IncompatibleFeatures |= Qcow2Header.IncompatCompression;
        var perL2 = h.L2Entries * h.ClusterSize;
        h.L1Size = (uint)((o.Size + perL2 - 1) / perL2);
        if (o.BackingFile is not null && o.BackingFormat is not null) h.BackingFormat = o.BackingFormat;
        // The feature name table only helps humans; like qemu, leave it out when the first cluster is too small.
        var backingBytes = (o.BackingFile?.Length ?? 0) + (o.BackingFormat is null ? 0 : 16 + o.BackingFormat.Length);
        if (o.Version == 3 && h.HeaderLength + 8 + 8 * 48 + 8 + backingBytes < o.ClusterSize) h.Extensions.Add(FeatureNameTable());
        // Truncate, close, reopen: ext4 flushes a file truncated to zero on its next close (auto_da_alloc),
        // so writing a whole image through the truncating descriptor makes the final close wait for
        // writeback of everything written (a third of a second per GiB here).
        using (File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read)) { }
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        return new Qcow2Builder(file, h, qemuLayout);
    }

    private static Qcow2HeaderExtension FeatureNameTable()
    {
        (byte Type, byte Bit, string Name)[] features =
        [
            (0, 0, "dirty bit"), (0, 1, "corrupt bit"), (0, 2, "external data file"), (0, 3, "compression type"),
            (0, 4, "extended L2 entries"), (1, 0, "lazy refcounts"), (2, 0, "bitmaps"), (2, 1, "raw external data"),
        ];
        var data = new byte[features.Length * 48];
        for (var i = 0; i < features.Length; i++)
        {
            data[i * 48] = features[i].Type;
            data[i * 48 + 1] = features[i].Bit;
            System.Text.Encoding.ASCII.GetBytes(features[i].Name).CopyTo(data, i * 48 + 2);
        }
        return new(Qcow2HeaderExtension.FeatureNameTable, data);
    }

    private void Ref(long hostOffset, int count = 1)
    {
        var idx = hostOffset / _cs;
        _refcounts[idx] = _refcounts.GetValueOrDefault(idx) + count;
    }

    private long Allocate()
    {
        if (_compressedCursor >= 0) { _next = (_compressedCursor + _cs - 1) / _cs * _cs; _compressedCursor = -1; }
        var at = _next;
        _next += _cs;
        Ref(at);
        return at;
    }

    private ulong[] L2For(long guestCluster, out long index)
    {
        var perL2 = _header.L2Entries;
        var l1Index = guestCluster / perL2;
        index = guestCluster % perL2;
        if (!_l2.TryGetValue(l1Index, out var table))
        {
            table = new ulong[_header.ExtendedL2 ? perL2 * 2 : perL2];
            _l2[l1Index] = table;
            var at = Allocate();
            _l2Offsets[l1Index] = at;
            _metadata.Add(at, _cs, Qcow2Metadata.ActiveL2);
            _l1[l1Index] = (ulong)at | Qcow2Entries.Copied;
        }
        return table;
    }

    /// <summary>Stores one full guest cluster of data.</summary>
    public async ValueTask WriteClusterAsync(long guestCluster, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        var table = L2For(guestCluster, out var i);
        var at = Allocate();
        CheckDataWrite(at, data.Length);
        await RandomAccess.WriteAsync(_file, data, at, ct);
        if (_header.ExtendedL2)
        {
            table[i * 2] = (ulong)at | Qcow2Entries.Copied;
            table[i * 2 + 1] = 0xffffffffUL; // all 32 subclusters allocated
        }
        else table[i] = (ulong)at | Qcow2Entries.Copied;
    }

    /// <summary>Stores consecutive guest clusters in consecutive host clusters with one write.</summary>
    public ValueTask WriteClustersAsync(long firstCluster, int count, ReadOnlyMemory<byte> data, CancellationToken ct = default) =>
        WriteAtAsync(ReserveClusters(firstCluster, count), data[..(int)(count * _cs)], ct);

    /// <summary>
    /// Maps consecutive guest clusters to consecutive new host clusters and returns where the data goes,
    /// so the caller can write it concurrently with later reservations (metadata stays in order).
    /// </summary>
    public long ReserveClusters(long firstCluster, int count)
    {
        // L2 tables first, so the data clusters that follow stay contiguous.
        for (var c = firstCluster; c < firstCluster + count; c++) L2For(c, out _);
        if (_compressedCursor >= 0) { _next = (_compressedCursor + _cs - 1) / _cs * _cs; _compressedCursor = -1; }
        var at = _next;
        for (var i = 0; i < count; i++)
        {
            var host = Allocate();
            var table = L2For(firstCluster + i, out var idx);
            if (_header.ExtendedL2) { table[idx * 2] = (ulong)host | Qcow2Entries.Copied; table[idx * 2 + 1] = 0xffffffffUL; }
            else table[idx] = (ulong)host | Qcow2Entries.Copied;
        }
        return at;
    }

    /// <summary>Writes data at a host offset obtained from <see cref="ReserveClusters"/>.</summary>
    public ValueTask WriteAtAsync(long hostOffset, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        CheckDataWrite(hostOffset, data.Length);
        return RandomAccess.WriteAsync(_file, data, hostOffset, ct);
    }

    /// <summary>Marks a guest cluster as reading zeros (v3), without allocating data.</summary>
    public void ZeroCluster(long guestCluster)
    {
        if (_header.Version < 3) throw new InvalidOperationException("zero clusters need compat=1.1");
        var table = L2For(guestCluster, out var i);
        if (_header.ExtendedL2) table[i * 2 + 1] = 0xffffffff00000000UL;
        else table[i] = Qcow2Entries.ZeroFlag;
    }

    /// <summary>Stores one guest cluster compressed (byte-packed, as qemu does); falls back to plain when it does not shrink.</summary>
    public async ValueTask WriteCompressedAsync(long guestCluster, ReadOnlyMemory<byte> data, byte[]? packed, CancellationToken ct = default)
    {
        if (packed is null)
        {
            await WriteClusterAsync(guestCluster, data, ct);
            return;
        }
        var table = L2For(guestCluster, out var i);
        if (_compressedCursor < 0) _compressedCursor = _next;
        var at = _compressedCursor;
        var maxRef = _header.RefcountBits >= 31 ? int.MaxValue : (1 << _header.RefcountBits) - 1;
        // A cluster shared by several compressed clusters counts each; start a fresh one when a count would overflow.
        if (at % _cs != 0 && _refcounts.GetValueOrDefault(at / _cs) >= maxRef) at = (at + _cs - 1) / _cs * _cs;
        CheckDataWrite(at, packed.Length);
        await RandomAccess.WriteAsync(_file, packed, at, ct);
        for (var c = at / _cs; c <= (at + packed.Length - 1) / _cs; c++) Ref(c * _cs);
        _compressedCursor = at + packed.Length;
        _next = (_compressedCursor + _cs - 1) / _cs * _cs;
        var entry = Qcow2Entries.MakeCompressed(at, packed.Length, _header.ClusterBits);
        if (_header.ExtendedL2) table[i * 2] = entry;
        else table[i] = entry;
    }

    private static byte[] ToBytes(ulong[] entries) => Qcow2Tables.ToBytes(entries);

    public async ValueTask DisposeAsync()
    {
        _file.Dispose();
        await Task.CompletedTask;
    }
}
