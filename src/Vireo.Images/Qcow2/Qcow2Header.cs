using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Qcow2;

/// <summary>A header extension, kept byte for byte so unknown ones survive a rewrite.</summary>
public sealed record Qcow2HeaderExtension(uint Type, byte[] Data)
{
    public const uint End = 0x00000000;
    public const uint BackingFormat = 0xe2792aca;
    public const uint FeatureNameTable = 0x6803f857;
    public const uint Bitmaps = 0x23852875;
    public const uint FullDiskEncryption = 0x0537be77;
    public const uint ExternalDataFile = 0x44415441;
}

/// <summary>The qcow2 header (docs/interop/qcow2.txt), big-endian, version 2 and 3.</summary>
public sealed class Qcow2Header
{
    public const uint Magic = ImageFormat.Qcow2Magic;
    public const int V2Length = 72;
    public const int V3MinLength = 104;
    public const long MaxL1Bytes = 32L * 1024 * 1024;        // as qemu's QCOW_MAX_L1_SIZE
    public const long MaxRefcountTableBytes = 8L * 1024 * 1024; // as qemu's QCOW_MAX_REFTABLE_SIZE
    public const int MaxBackingFileName = 1023;

    // incompatible feature bits
    public const ulong IncompatDirty = 1UL << 0;
    public const ulong IncompatCorrupt = 1UL << 1;
    public const ulong IncompatDataFile = 1UL << 2;
    public const ulong IncompatCompression = 1UL << 3;
    public const ulong IncompatExtendedL2 = 1UL << 4;
    public const ulong CompatLazyRefcounts = 1UL << 0;
    public const ulong AutoclearBitmaps = 1UL << 0;
    public const ulong AutoclearDataFileRaw = 1UL << 1;

    public uint Version { get; set; } = 3;
    public ulong BackingFileOffset { get; set; }
    public uint BackingFileSize { get; set; }
    public int ClusterBits { get; set; } = 16;
    public ulong Size { get; set; }
    public uint CryptMethod { get; set; }
    public uint L1Size { get; set; }
    public ulong L1TableOffset { get; set; }
    public ulong RefcountTableOffset { get; set; }
    public uint RefcountTableClusters { get; set; }
    public uint NbSnapshots { get; set; }
    public ulong SnapshotsOffset { get; set; }
    public ulong IncompatibleFeatures { get; set; }
    public ulong CompatibleFeatures { get; set; }
    public ulong AutoclearFeatures { get; set; }
    public int RefcountOrder { get; set; } = 4;
    public uint HeaderLength { get; set; } = 112;
    public byte CompressionType { get; set; }

    public string? BackingFile { get; set; }
    public List<Qcow2HeaderExtension> Extensions { get; } = [];

    public long ClusterSize => 1L << ClusterBits;
    public int RefcountBits => 1 << RefcountOrder;
    public bool ExtendedL2 => (IncompatibleFeatures & IncompatExtendedL2) != 0;
    public bool Dirty => (IncompatibleFeatures & IncompatDirty) != 0;
    public bool Corrupt => (IncompatibleFeatures & IncompatCorrupt) != 0;
    public bool LazyRefcounts => (CompatibleFeatures & CompatLazyRefcounts) != 0;
    public int L2EntrySize => ExtendedL2 ? 16 : 8;
    public long L2Entries => ClusterSize / L2EntrySize;

    public string? BackingFormat
    {
        get => Extensions.FirstOrDefault(e => e.Type == Qcow2HeaderExtension.BackingFormat) is { } e ? Encoding.UTF8.GetString(e.Data) : null;
        set
        {
            Extensions.RemoveAll(e => e.Type == Qcow2HeaderExtension.BackingFormat);
            if (value is not null) Extensions.Insert(0, new(Qcow2HeaderExtension.BackingFormat, Encoding.UTF8.GetBytes(value)));
        }
    }

    public string CompressionName => CompressionType == 1 ? "zstd" : "zlib";

    /// <summary>
    /// Parses and checks the header in the first cluster of an image of <paramref name="fileLength"/> bytes.
    /// <paramref name="forCheck"/> applies only the checks qemu makes when it opens an image for 'check'
    /// (tables need alignment, not a place inside the file: the check itself reports where they lie).
    /// </summary>
    public static Qcow2Header ReadFrom(ReadOnlySpan<byte> b, long fileLength, bool forCheck = false)
    {
        if (b.Length < V2Length) throw Bad(0, $"file too short for a qcow2 header ({b.Length} bytes)");
        if (BinaryPrimitives.ReadUInt32BigEndian(b) != Magic) throw Bad(0, "expected qcow2 magic QFI\\xfb");
        var h = new Qcow2Header
        {
            Version = U32(b, 4),
            BackingFileOffset = U64(b, 8),
            BackingFileSize = U32(b, 16),
            ClusterBits = (int)U32(b, 20),
            Size = U64(b, 24),
            CryptMethod = U32(b, 32),
            L1Size = U32(b, 36),
            L1TableOffset = U64(b, 40),
            RefcountTableOffset = U64(b, 48),
            RefcountTableClusters = U32(b, 56),
            NbSnapshots = U32(b, 60),
            SnapshotsOffset = U64(b, 64),
        };
        if (h.Version is not (2 or 3)) throw Bad(4, $"unsupported qcow2 version {h.Version} (expected 2 or 3)");
        if (h.ClusterBits is < 9 or > 21) throw Bad(20, $"cluster_bits {h.ClusterBits} is outside 9..21");
        if (h.Version == 3)
        {
            if (b.Length < V3MinLength) throw Bad(72, "file too short for a version 3 header");
            h.IncompatibleFeatures = U64(b, 72);
            h.CompatibleFeatures = U64(b, 80);
            h.AutoclearFeatures = U64(b, 88);
            h.RefcountOrder = (int)U32(b, 96);
            h.HeaderLength = U32(b, 100);
            if (h.HeaderLength < V3MinLength || h.HeaderLength > h.ClusterSize || h.HeaderLength > b.Length)
                throw Bad(100, $"header_length {h.HeaderLength} is invalid");
            if (h.HeaderLength > 104) h.CompressionType = b[104];
        }
        else
        {
            h.RefcountOrder = 4;
            h.HeaderLength = V2Length;
        }
        h.Check(fileLength, forCheck);
        h.ReadExtensions(b);
        if (h.BackingFileOffset != 0)
        {
            if (h.BackingFileSize > MaxBackingFileName || h.BackingFileOffset + h.BackingFileSize > (ulong)Math.Min(b.Length, h.ClusterSize))
                throw Bad(8, $"backing file name at offset {h.BackingFileOffset} ({h.BackingFileSize} bytes) lies outside the first cluster");
            h.BackingFile = Encoding.UTF8.GetString(b.Slice((int)h.BackingFileOffset, (int)h.BackingFileSize));
        }
        return h;
    }

    private void Check(long fileLength, bool forCheck)
    {
        if (CryptMethod != 0)
            throw new NotSupportedException("encrypted qcow2 images are not supported yet (crypt_method " + CryptMethod + ")");
        var known = IncompatDirty | IncompatCorrupt | IncompatDataFile | IncompatCompression | IncompatExtendedL2;
        if ((IncompatibleFeatures & ~known) != 0)
            throw Bad(72, $"unsupported incompatible features 0x{IncompatibleFeatures & ~known:x}");
        if ((IncompatibleFeatures & IncompatDataFile) != 0)
            throw new NotSupportedException("qcow2 images with an external data file are not supported yet");
        if ((AutoclearFeatures & AutoclearDataFileRaw) != 0) throw Bad(88, "data-file-raw requires a data file");
        if (RefcountOrder > 6) throw Bad(96, $"refcount_order {RefcountOrder} is larger than 6 (64-bit refcounts)");
        if (CompressionType > 1) throw Bad(104, $"unknown compression type {CompressionType}");
        if (CompressionType != 0 && (IncompatibleFeatures & IncompatCompression) == 0)
            throw Bad(104, "compression type set without the compression-type incompatible feature bit");
        if (ExtendedL2 && ClusterBits < 14) throw Bad(20, "extended_l2 needs clusters of at least 16 KiB");
        if ((long)L1Size * 8 > MaxL1Bytes) throw Bad(36, $"L1 table too large ({L1Size} entries)");
        var neededL1 = (long)((Size + (ulong)(ClusterSize * L2Entries) - 1) / (ulong)(ClusterSize * L2Entries));
        if (Size > (ulong)long.MaxValue / 2 || L1Size < neededL1) throw Bad(36, $"L1 table ({L1Size} entries) too small for virtual size {Size}");
        CheckTable(40, L1TableOffset, (long)L1Size * 8, fileLength, "L1 table", forCheck);
        if ((long)RefcountTableClusters * ClusterSize > MaxRefcountTableBytes) throw Bad(56, "refcount table too large");
        CheckTable(48, RefcountTableOffset, RefcountTableClusters * ClusterSize, fileLength, "refcount table", forCheck);
        if (forCheck) return; // the check reads the snapshot table itself and reports what is wrong with it
        if (NbSnapshots > 65536) throw Bad(60, $"too many snapshots ({NbSnapshots})");
        if (NbSnapshots > 0) CheckTable(64, SnapshotsOffset, 1, fileLength, "snapshot table", false);
    }

    private void CheckTable(int field, ulong offset, long length, long fileLength, string what, bool forCheck)
    {
        if (length == 0 && offset == 0) return;
        if (offset % (ulong)ClusterSize != 0) throw Bad(field, $"{what} offset 0x{offset:x} is not cluster aligned");
        if (offset > long.MaxValue - (ulong)length) throw Bad(field, $"{what} offset 0x{offset:x} is invalid");
        if (forCheck) return;
        if (offset < (ulong)ClusterSize) throw Bad(field, $"{what} at 0x{offset:x} overlaps the header");
        if (offset + (ulong)length > (ulong)fileLength + (ulong)ClusterSize)
            throw Bad(field, $"{what} at 0x{offset:x} ({length} bytes) lies past the end of the file ({fileLength} bytes)");
    }

    /// <summary>
    /// The extensions between the header and the backing file name (or the end of the first cluster), as qemu
    /// reads them: every one, the end marker included, must fit; bytes past the end of a short file are zeros.
    /// </summary>
    private void ReadExtensions(ReadOnlySpan<byte> b)
    {
        var end = BackingFileOffset != 0 ? (int)Math.Min((long)BackingFileOffset, ClusterSize) : (int)ClusterSize;
        if (b.Length < end)
        {
            var padded = new byte[end];
            b.CopyTo(padded);
            b = padded;
        }
        var pos = (int)HeaderLength;
        while (pos < end)
        {
            if (pos + 8 > end) throw Bad(pos, "header extension too large (past the end of the header area)");
            var type = U32(b, pos);
            var len = U32(b, pos + 4);
            if (len > end - pos - 8) throw Bad(pos, $"header extension 0x{type:x8} ({len} bytes) runs past the header");
            if (type == Qcow2HeaderExtension.End) return;
            Extensions.Add(new(type, b.Slice(pos + 8, (int)len).ToArray()));
            pos += 8 + (int)((len + 7) & ~7u);
        }
    }

    /// <summary>Writes header, extensions and backing file name into the first cluster.</summary>
    public void WriteTo(Span<byte> b)
    {
        b[..(int)Math.Min(b.Length, ClusterSize)].Clear();
        var headerLength = Version == 3 ? (int)HeaderLength : V2Length;
        BinaryPrimitives.WriteUInt32BigEndian(b, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(b[20..], (uint)ClusterBits);
        BinaryPrimitives.WriteUInt64BigEndian(b[24..], Size);
        BinaryPrimitives.WriteUInt32BigEndian(b[32..], CryptMethod);
        BinaryPrimitives.WriteUInt32BigEndian(b[36..], L1Size);
        BinaryPrimitives.WriteUInt64BigEndian(b[40..], L1TableOffset);
        BinaryPrimitives.WriteUInt64BigEndian(b[48..], RefcountTableOffset);
        BinaryPrimitives.WriteUInt32BigEndian(b[56..], RefcountTableClusters);
        BinaryPrimitives.WriteUInt32BigEndian(b[60..], NbSnapshots);
        BinaryPrimitives.WriteUInt64BigEndian(b[64..], SnapshotsOffset);
        if (Version == 3)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b[72..], IncompatibleFeatures);
            BinaryPrimitives.WriteUInt64BigEndian(b[80..], CompatibleFeatures);
            BinaryPrimitives.WriteUInt64BigEndian(b[88..], AutoclearFeatures);
            BinaryPrimitives.WriteUInt32BigEndian(b[96..], (uint)RefcountOrder);
            BinaryPrimitives.WriteUInt32BigEndian(b[100..], (uint)headerLength);
            if (headerLength > 104) b[104] = CompressionType;
        }
        var pos = headerLength;
        foreach (var ext in Extensions)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b[pos..], ext.Type);
            BinaryPrimitives.WriteUInt32BigEndian(b[(pos + 4)..], (uint)ext.Data.Length);
            ext.Data.CopyTo(b[(pos + 8)..]);
            pos += 8 + ((ext.Data.Length + 7) & ~7);
        }
        pos += 8; // end-of-extensions marker (zeros)
        if (BackingFile is { } backing)
        {
            var name = Encoding.UTF8.GetBytes(backing);
            if (name.Length > MaxBackingFileName) throw new ArgumentException($"backing file name is longer than {MaxBackingFileName} bytes");
            name.CopyTo(b[pos..]);
            BinaryPrimitives.WriteUInt64BigEndian(b[8..], (ulong)pos);
            BinaryPrimitives.WriteUInt32BigEndian(b[16..], (uint)name.Length);
        }
    }

    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32BigEndian(b[at..]);
    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64BigEndian(b[at..]);

    internal static InvalidDataException Bad(long offset, string what) => new($"qcow2: {what} (header offset {offset})");
}
