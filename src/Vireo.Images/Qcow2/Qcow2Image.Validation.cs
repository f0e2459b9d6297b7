namespace Vireo.Images.Qcow2;

/// <summary>
/// Walks of the L1/L2 tables that come before an operation writes: the tables must be where qemu requires
/// them (a misaligned table or cluster is a corruption event), and the references a snapshot gives up must be
/// counted, so the operation is refused with the file untouched rather than failing half way.
/// </summary>
public sealed partial class Qcow2Image
{
    private Task ValidateActiveMappingAsync(CancellationToken ct) => ValidateMappingAsync(_l1, ct);

    /// <summary>
    /// Goes through an L1 table's L2 tables and entries as qemu's refcount walk would, before anything is
    /// written: a misaligned table or cluster is a corruption event that then leaves the image as it was.
    /// </summary>
    private async Task ValidateMappingAsync(ulong[] l1, CancellationToken ct)
    {
        var step = Header.ExtendedL2 ? 2 : 1;
        for (var l1Index = 0; l1Index < l1.Length; l1Index++)
        {
            var l2 = Qcow2Entries.L1Offset(l1[l1Index]);
            if (l2 == 0) continue;
            var table = await MappedL2Async(l1Index, l2, ct);
            for (var i = 0; i < table.Length; i += step)
                if ((table[i] & Qcow2Entries.Compressed) == 0) await MappedClusterAsync(l2, i / step, table[i], ct);
        }
    }

    /// <summary>
    /// Before a snapshot leaves the table, every reference it gives up must be counted in the refcounts; if
    /// not, they lie, and the delete is refused before anything is written (qemu would drop the snapshot and
    /// then fail part way).
    /// </summary>
    private async Task EnsureReleasableAsync(Qcow2Snapshot snap, ulong[] l1, CancellationToken ct)
    {
        var drops = new Dictionary<long, ulong>();
        void Drop(long offset, long length)
        {
            for (var c = offset / ClusterSize; c <= (offset + length - 1) / ClusterSize; c++) drops[c] = drops.GetValueOrDefault(c) + 1;
        }
        var step = Header.ExtendedL2 ? 2 : 1;
        foreach (var e in l1)
        {
            var l2 = Qcow2Entries.L1Offset(e);
            if (l2 == 0) continue;
            var table = await L2AtAsync(l2, ct);
            for (var i = 0; i < table.Length; i += step)
            {
                if ((table[i] & Qcow2Entries.Compressed) != 0)
                {
                    var (coff, clen) = Qcow2Entries.CompressedRange(table[i], Header.ClusterBits);
                    Drop(coff, clen);
                }
                else if (Qcow2Entries.StandardOffset(table[i]) is var host and not 0) Drop(host, ClusterSize);
            }
            Drop(l2, ClusterSize);
        }
        if (snap.L1Size > 0) Drop((long)snap.L1TableOffset, snap.L1Size * 8L);
        foreach (var (cluster, count) in drops)
            if (await GetRefcountAsync(cluster, ct) < count)
                throw new InvalidDataException($"qcow2: the refcount of cluster {cluster} does not count snapshot '{snap.Name}'; run 'vireo img check -r all'");
    }

    /// <summary>An L2 table an L1 table points to, which must be cluster aligned (qemu: a corruption event otherwise).</summary>
    private async ValueTask<ulong[]> MappedL2Async(long l1Index, long l2, CancellationToken ct)
    {
        if (l2 % ClusterSize != 0) throw await SignalCorruptionAsync($"L2 table offset {Hex(l2)} unaligned (L1 index: {Hex(l1Index)})", ct);
        return await L2AtAsync(l2, ct);
    }

    /// <summary>The host cluster of an uncompressed L2 entry (0 for none), which must be cluster aligned, as qemu requires.</summary>
    private async ValueTask<long> MappedClusterAsync(long l2, long index, ulong entry, CancellationToken ct)
    {
        var host = Qcow2Entries.StandardOffset(entry);
        if (host % ClusterSize != 0)
            throw await SignalCorruptionAsync($"Cluster allocation offset {Hex(host)} unaligned (L2 offset: {Hex(l2)}, L2 index: {Hex(index)})", ct);
        return host;
    }
}
