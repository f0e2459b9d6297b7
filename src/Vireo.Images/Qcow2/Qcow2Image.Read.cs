using System.IO.Compression;

namespace Vireo.Images.Qcow2;

public sealed partial class Qcow2Image
{
    private const int MaxCoalescedRead = 8 * 1024 * 1024;
    private (long Host, byte[] Data)? _lastCompressed;

    /// <summary>How the guest bytes at one offset are stored, up to the end of their (sub)cluster or L2 range.</summary>
    private readonly record struct Mapping(ExtentKind Kind, long Host, ulong Entry, long Length, bool Compressed);

    private async ValueTask<Mapping> LookupAsync(long guest, CancellationToken ct)
    {
        var cs = ClusterSize;
        var cluster = guest / cs;
        var inCluster = guest % cs;
        var perL2 = Header.L2Entries;
        var table = await L2TableAsync(cluster / perL2, ct);
        if (table is null)
            return new(ExtentKind.Unallocated, 0, 0, perL2 * cs - guest % (perL2 * cs), false);
        var ext = Header.ExtendedL2;
        var idx = cluster % perL2;
        var entry = table[ext ? idx * 2 : idx];
        if ((entry & Qcow2Entries.Compressed) != 0)
            return new(ExtentKind.Data, 0, entry, cs - inCluster, true);
        var bitmap = ext ? table[idx * 2 + 1] : 0;
        if (EntryProblem(cluster / perL2, idx, entry, bitmap) is { } problem) throw await SignalCorruptionAsync(problem, ct);
        var host = Qcow2Entries.StandardOffset(entry);
        if (host != 0 && host + cs > DataLimit + cs)
            throw new InvalidDataException($"qcow2: L2 entry for guest offset {guest} points to 0x{host:x}, past the end of the file");
        if (!ext)
        {
            if ((entry & Qcow2Entries.ZeroFlag) != 0)
                return new(ExtentKind.Zero, 0, entry, cs - inCluster, false);
            return host == 0
                ? new(ExtentKind.Unallocated, 0, entry, cs - inCluster, false)
                : new(ExtentKind.Data, host + inCluster, entry, cs - inCluster, false);
        }
        var sub = cs / 32;
        var sc = (int)(inCluster / sub);
        var len = sub - inCluster % sub;
        if (((bitmap >> (32 + sc)) & 1) != 0) return new(ExtentKind.Zero, 0, entry, len, false);
        if (((bitmap >> sc) & 1) != 0) return new(ExtentKind.Data, host + inCluster, entry, len, false);
        return new(ExtentKind.Unallocated, 0, entry, len, false);
    }

    /// <summary>
    /// qemu's checks of an uncompressed L2 entry before it is used (qcow2_get_subcluster_type, the alignment
    /// checks): the problem in qemu's words, or null. A bad entry is a corruption event.
    /// </summary>
    private string? EntryProblem(long l1Index, long l2Index, ulong entry, ulong bitmap)
    {
        var host = Qcow2Entries.StandardOffset(entry);
        if (host % ClusterSize == 0 && (Header.ExtendedL2 ? ((host != 0 ? bitmap >> 32 : 0xffffffffUL) & bitmap) == 0
                                                         : Header.Version >= 3 || (entry & Qcow2Entries.ZeroFlag) == 0))
            return null;
        var where = $"(L2 offset: {Hex(Qcow2Entries.L1Offset(_l1[l1Index]))}, L2 index: {Hex(l2Index)})";
        if (Header.ExtendedL2 && ((host != 0 ? bitmap >> 32 : 0xffffffffUL) & bitmap) != 0) return $"Invalid cluster entry found {where}";
        if (!Header.ExtendedL2 && Header.Version < 3 && (entry & Qcow2Entries.ZeroFlag) != 0) return $"Zero cluster entry found in pre-v3 image {where}";
        return $"Cluster allocation offset {Hex(host)} unaligned {where}";
    }

    /// <summary>C's "%#x": 0 stays "0".</summary>
    private static string Hex(long v) => v == 0 ? "0" : $"0x{v:x}";

    public override async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        EnsureUsable();
        var pos = 0;
        while (pos < buffer.Length)
        {
            var guest = offset + pos;
            if (guest >= VirtualSize)
            {
                buffer.Span[pos..].Clear();
                return;
            }
            var m = await LookupAsync(guest, ct);
            var n = (int)Math.Min(Math.Min(m.Length, buffer.Length - pos), VirtualSize - guest);
            var dest = buffer.Slice(pos, n);
            switch (m.Kind)
            {
                case ExtentKind.Data when m.Compressed:
                    var data = await DecompressAsync(m.Entry, ct);
                    data.AsSpan((int)(guest % ClusterSize), n).CopyTo(dest.Span);
                    break;
                case ExtentKind.Data:
                    // Coalesce following units stored right after this one into one read.
                    while (pos + n < buffer.Length && n < MaxCoalescedRead && guest + n < VirtualSize)
                    {
                        var next = await LookupAsync(guest + n, ct);
                        if (next.Kind != ExtentKind.Data || next.Compressed || next.Host != m.Host + n) break;
                        n += (int)Math.Min(Math.Min(next.Length, buffer.Length - pos - n), VirtualSize - guest - n);
                    }
                    dest = buffer.Slice(pos, n);
                    await ReadExactAsync(_file, dest, m.Host, ct);
                    break;
                case ExtentKind.Zero:
                    dest.Span.Clear();
                    break;
                default:
                    if (Backing is not null) await Backing.ReadAsync(guest, dest, ct);
                    else dest.Span.Clear();
                    break;
            }
            pos += n;
        }
    }

    private async ValueTask<byte[]> DecompressAsync(ulong entry, CancellationToken ct)
    {
        var (host, length) = Qcow2Entries.CompressedRange(entry, Header.ClusterBits);
        if (_lastCompressed is { } last && last.Host == host) return last.Data;
        if (host + length > FileLength) length = (int)Math.Max(0, FileLength - host);
        if (length <= 0) throw new InvalidDataException($"qcow2: compressed cluster at 0x{host:x} lies past the end of the file");
        var compressed = new byte[length];
        await ReadExactAsync(_file, compressed, host, ct);
        var output = new byte[ClusterSize];
        try
        {
            Qcow2Compression.Decompress(Header.CompressionType, compressed, output);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"qcow2: compressed cluster at 0x{host:x} cannot be decompressed: {e.Message}");
        }
        _lastCompressed = (host, output);
        return output;
    }

    public override async ValueTask<IReadOnlyList<Extent>> MapAsync(long offset, long length, CancellationToken ct = default)
    {
        EnsureUsable();
        var result = new List<Extent>();
        var end = Math.Min(offset + length, VirtualSize);
        var pos = offset;
        while (pos < end)
        {
            var m = await LookupAsync(pos, ct);
            var n = Math.Min(m.Length, end - pos);
            long? host = m.Kind == ExtentKind.Data && !m.Compressed ? m.Host : null;
            if (result.Count > 0 && result[^1] is var prev && prev.Kind == m.Kind && prev.Compressed == m.Compressed &&
                (host is null ? prev.HostOffset is null : prev.HostOffset + prev.Length == host))
                result[^1] = prev with { Length = prev.Length + n };
            else
                result.Add(new Extent(pos, n, m.Kind, host, m.Compressed));
            pos += n;
        }
        return result;
    }
}

/// <summary>qcow2's cluster compression: raw deflate (zlib type) or zstd frames.</summary>
public static class Qcow2Compression
{
    public static void Decompress(byte type, ReadOnlySpan<byte> compressed, Span<byte> output)
    {
        if (type == 1)
        {
            // The stored range is rounded up to whole sectors, so bytes after the frame are not zstd: stream exactly one cluster out.
            using var zs = new ZstdSharp.DecompressionStream(new MemoryStream(compressed.ToArray()));
            ReadFully(zs, output, "zstd");
            return;
        }
        using var inflate = new DeflateStream(new MemoryStream(compressed.ToArray()), CompressionMode.Decompress);
        ReadFully(inflate, output, "deflate");
    }

    private static void ReadFully(Stream s, Span<byte> output, string what)
    {
        var done = 0;
        while (done < output.Length)
        {
            var n = s.Read(output[done..]);
            if (n == 0) throw new InvalidDataException($"{what} stream ended after {done} of {output.Length} bytes");
            done += n;
        }
    }

    /// <summary>Compresses one cluster; null when compression does not make it smaller (qemu then writes it plain).</summary>
    public static byte[]? Compress(byte type, ReadOnlySpan<byte> cluster)
    {
        byte[] result;
        if (type == 1)
        {
            using var z = new ZstdSharp.Compressor();
            result = z.Wrap(cluster).ToArray();
        }
        else
        {
            using var ms = new MemoryStream();
            using (var deflate = new DeflateStream(ms, CompressionLevel.Optimal, leaveOpen: true))
                deflate.Write(cluster);
            result = ms.ToArray();
        }
        return result.Length < cluster.Length ? result : null;
    }
}
