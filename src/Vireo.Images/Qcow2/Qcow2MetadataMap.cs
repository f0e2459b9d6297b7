namespace Vireo.Images.Qcow2;

/// <summary>
/// The kinds of qcow2 metadata a write is checked against: qemu's QCow2MetadataOverlap (every kind of
/// overlap-check=all), plus the bitmap tables and bitmap data clusters, which qemu leaves unchecked.
/// </summary>
[Flags]
public enum Qcow2Metadata
{
    None = 0,
    Header = 1 << 0,
    ActiveL1 = 1 << 1,
    ActiveL2 = 1 << 2,
    RefcountTable = 1 << 3,
    RefcountBlock = 1 << 4,
    SnapshotTable = 1 << 5,
    InactiveL1 = 1 << 6,
    InactiveL2 = 1 << 7,
    BitmapDirectory = 1 << 8,
    BitmapTable = 1 << 9,
    BitmapData = 1 << 10,
    All = (1 << 11) - 1,
}

/// <summary>
/// Which host clusters hold metadata, and of which kinds: the index qemu's overlap check walks
/// (qcow2_check_metadata_overlap), kept as cluster -> kinds so checking a write costs one lookup per
/// cluster it touches.
/// </summary>
internal sealed class Qcow2MetadataMap(int clusterBits)
{
    /// <summary>qemu's reporting order (the order qcow2_check_metadata_overlap tests), then Vireo's additions.</summary>
    private static readonly (Qcow2Metadata Kind, string Name)[] Names =
    [
        (Qcow2Metadata.Header, "qcow2_header"), (Qcow2Metadata.ActiveL1, "active L1 table"),
        (Qcow2Metadata.RefcountTable, "refcount table"), (Qcow2Metadata.SnapshotTable, "snapshot table"),
        (Qcow2Metadata.InactiveL1, "inactive L1 table"), (Qcow2Metadata.ActiveL2, "active L2 table"),
        (Qcow2Metadata.RefcountBlock, "refcount block"), (Qcow2Metadata.InactiveL2, "inactive L2 table"),
        (Qcow2Metadata.BitmapDirectory, "bitmap directory"), (Qcow2Metadata.BitmapTable, "bitmap table"),
        (Qcow2Metadata.BitmapData, "bitmap data cluster"),
    ];

    private readonly Dictionary<long, Qcow2Metadata> _clusters = new();

    /// <summary>Records [offset, offset+length) as holding <paramref name="kind"/>; empty ranges are ignored.</summary>
    public void Add(long offset, long length, Qcow2Metadata kind)
    {
        if (length <= 0 || offset < 0) return;
        for (var c = offset >> clusterBits; c <= (offset + length - 1) >> clusterBits; c++)
            _clusters[c] = _clusters.GetValueOrDefault(c) | kind;
    }

    /// <summary>Like <see cref="Add"/> for a table entry, where offset 0 means "none".</summary>
    public void AddPointed(long offset, long length, Qcow2Metadata kind)
    {
        if (offset != 0) Add(offset, length, kind);
    }

    /// <summary>Every kind of metadata in the clusters [offset, offset+length) touches.</summary>
    public Qcow2Metadata Overlaps(long offset, long length)
    {
        if (length <= 0 || _clusters.Count == 0) return Qcow2Metadata.None;
        var found = Qcow2Metadata.None;
        for (var c = offset >> clusterBits; c <= (offset + length - 1) >> clusterBits; c++)
            if (_clusters.TryGetValue(c, out var k)) found |= k;
        return found;
    }

    /// <summary>The name qemu reports for an overlap: the first of the kinds in qemu's checking order.</summary>
    public static string Name(Qcow2Metadata kinds)
    {
        foreach (var (kind, name) in Names)
            if ((kinds & kind) != 0) return name;
        return "metadata";
    }
}

/// <summary>
/// qemu's fatal corruption event (qcow2_signal_corruption): the write was refused, the image was marked
/// corrupt (version 3 images) and nothing else reaches the disk. <see cref="Report"/> is the line qemu prints.
/// </summary>
public sealed class Qcow2CorruptionException(string path, string what)
    : IOException($"qcow2: Marking image as corrupt: {what}; further corruption events will be suppressed")
{
    public string Path { get; } = path;

    /// <summary>What was wrong, in qemu's words ("Preventing invalid write on metadata (overlaps with refcount block)").</summary>
    public string Event { get; } = what;

    /// <summary>The line qemu prints when it marks an image corrupt.</summary>
    public string Report => base.Message;

    /// <summary>The operation that failed, as the command names it ("Could not create snapshot 's1'").</summary>
    public string? Operation { get; set; }

    /// <summary>qemu-img's second line: the operation that failed, with the I/O error it got.</summary>
    public override string Message => $"{Operation ?? $"Could not write to '{Path}'"}: Input/output error";
}
