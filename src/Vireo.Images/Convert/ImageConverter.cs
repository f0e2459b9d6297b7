using System.Threading.Channels;
using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Images.Convert;

/// <summary>
/// qemu-img convert: copies what a reader of the source sees into a new raw or qcow2 image.
/// Unallocated and zero ranges are skipped, reads run several at a time, and qcow2 output is
/// written in order by one writer while readers (and compressors) work ahead of it.
/// </summary>
public static class ImageConverter
{
    private const int RawChunk = 2 * 1024 * 1024;

    /// <summary>Buffers are reused: allocating (and zeroing) a fresh one per chunk costs as much as the copy.</summary>
    private static readonly System.Buffers.ArrayPool<byte> Buffers = System.Buffers.ArrayPool<byte>.Create(8 * 1024 * 1024, 64);

    public static async Task ConvertAsync(DiskImage source, string target, ConvertOptions o, CancellationToken ct = default)
    {
        var size = source.VirtualSize;
        var map = await ChainMap.ResolveAsync(source, 0, size, ct);
        var work = map.Where(m => m.Extent.Kind == ExtentKind.Data).Select(m => m.Extent).ToList();
        var total = Math.Max(1, work.Sum(e => e.Length));
        long done = 0;
        void Advance(long n) => o.Progress?.Invoke(100.0 * Interlocked.Add(ref done, n) / total);
        switch (o.OutputFormat)
        {
            case "raw":
                await ToRawAsync(source, target, size, work, o, Advance, ct);
                break;
            case "qcow2" when o.NoCreate:
                await IntoExistingQcow2Async(source, target, map, o, Advance, ct);
                break;
            case "qcow2":
                await ToQcow2Async(source, target, size, work, o, Advance, ct);
                if (o.Qcow2.BackingFile is not null) await ZeroWhatTheBackingWouldShowAsync(target, map, ct);
                break;
            default:
                throw new NotSupportedException($"Unknown file format '{o.OutputFormat}'");
        }
        o.Progress?.Invoke(100);
    }

    private static async Task ToRawAsync(DiskImage source, string target, long size, List<Extent> work, ConvertOptions o,
        Action<long> advance, CancellationToken ct)
    {
        if (!o.NoCreate) RawCreator.Create(target, size, o.RawPreallocation);
        using var raw = RawImage.Open(target, writable: true);
        var chunks = work.SelectMany(e => Split(e.Offset, e.Length, RawChunk));
        var existingMayHoldData = o.NoCreate && !o.TargetIsZero;
        var ahead = Math.Max(1, o.Parallel);
        if (o.OutOfOrderWrites)
        {
            // -W: writes may land in any order and overlap each other.
            await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = ahead, CancellationToken = ct },
                async (chunk, token) =>
                {
                    var rented = Buffers.Rent(chunk.Length);
                    try
                    {
                        var buf = rented.AsMemory(0, chunk.Length);
                        await source.ReadAsync(chunk.Offset, buf, token);
                        await WriteSparseAsync(raw, chunk.Offset, buf, o.SparseSize, existingMayHoldData, token);
                    }
                    finally { Buffers.Return(rented); }
                    advance(chunk.Length);
                });
        }
        else
        {
            await OrderedPipeline.RunAsync(chunks, ahead, async (chunk, token) =>
                {
                    var rented = Buffers.Rent(chunk.Length);
                    await source.ReadAsync(chunk.Offset, rented.AsMemory(0, chunk.Length), token);
                    return (chunk.Offset, chunk.Length, rented);
                },
                async r =>
                {
                    try { await WriteSparseAsync(raw, r.Offset, r.rented.AsMemory(0, r.Length), o.SparseSize, existingMayHoldData, ct); }
                    finally { Buffers.Return(r.rented); }
                    advance(r.Length);
                }, ct);
        }
        if (existingMayHoldData)
        {
            // -n without --target-is-zero: ranges that read as zero in the source must be zeroed in the target.
            var zeros = new byte[RawChunk];
            var dataEnds = work.Select(e => (e.Offset, End: e.Offset + e.Length)).ToList();
            long pos = 0;
            foreach (var (start, end) in dataEnds.Append((size, size)))
            {
                for (var p = pos; p < start; p += RawChunk)
                    await raw.WriteAsync(p, zeros.AsMemory(0, (int)Math.Min(RawChunk, start - p)), ct);
                pos = end;
            }
        }
        if (o.FlushAtEnd) RandomAccess.FlushToDisk(raw.Handle);
    }

    private static async Task WriteSparseAsync(RawImage raw, long offset, Memory<byte> buf, long sparse, bool mustWriteZeros, CancellationToken ct)
    {
        if (sparse <= 0 || mustWriteZeros)
        {
            await raw.WriteAsync(offset, buf, ct);
            return;
        }
        var step = (int)Math.Min(sparse, buf.Length);
        var runStart = -1;
        for (var i = 0; i < buf.Length; i += step)
        {
            var n = Math.Min(step, buf.Length - i);
            var zero = !buf.Span.Slice(i, n).ContainsAnyExcept((byte)0);
            if (!zero && runStart < 0) runStart = i;
            if (zero && runStart >= 0)
            {
                await raw.WriteAsync(offset + runStart, buf[runStart..i], ct);
                runStart = -1;
            }
        }
        if (runStart >= 0) await raw.WriteAsync(offset + runStart, buf[runStart..], ct);
    }

    private static async Task ToQcow2Async(DiskImage source, string target, long size, List<Extent> work, ConvertOptions o,
        Action<long> advance, CancellationToken ct)
    {
        var q = o.Qcow2 with { Size = size };
        await using var builder = Qcow2Builder.Create(target, q, qemuLayout: false);
        var cs = builder.Header.ClusterSize;
        var clusters = work.SelectMany(e => ClusterIndexes(e, cs)).Distinct().ToList();
        // Runs of consecutive clusters, read with one request and written with as few as possible.
        var perRun = (int)Math.Max(1, RawChunk / cs);
        if (o.Compress) perRun = 1;
        var runs = new List<(long First, int Count)>();
        foreach (var c in clusters)
        {
            if (runs.Count > 0 && runs[^1].First + runs[^1].Count == c && runs[^1].Count < perRun)
                runs[^1] = (runs[^1].First, runs[^1].Count + 1);
            else runs.Add((c, 1));
        }
        // Readers (and compressors) run ahead in parallel; the single writer assigns metadata in cluster order.
        var ahead = Math.Max(1, o.Parallel) * (o.Compress ? 4 : 1);
        var overlapped = new Queue<Task>(); // -W only: data writes still in flight
        await OrderedPipeline.RunAsync(runs, ahead, async (run, token) =>
            {
                var (first, count) = run;
                var data = Buffers.Rent((int)(count * cs));
                await source.ReadAsync(first * cs, data.AsMemory(0, (int)(count * cs)), token);
                // Zero detection happens here, on the parallel readers, once per cluster.
                var nonZero = new bool[count];
                for (var k = 0; k < count; k++) nonZero[k] = data.AsSpan((int)(k * cs), (int)cs).ContainsAnyExcept((byte)0);
                var packed = o.Compress && nonZero[0]
                    ? Qcow2Compression.Compress(builder.Header.CompressionType, data.AsSpan(0, (int)cs)) : null;
                return (first, count, data, packed, nonZero);
            },
            async r =>
            {
                var (runFirst, runCount, rented, compressed, nonZero) = r;
                var runWrites = new List<Task>();
                var i = 0;
                while (i < runCount)
                {
                    var cluster = rented.AsMemory((int)(i * cs), (int)cs);
                    if (!nonZero[i])
                    {
                        // Nothing to store: without a backing file an unallocated cluster already reads as zeros.
                        if (q.BackingFile is not null && builder.Header.Version == 3) builder.ZeroCluster(runFirst + i);
                        i++;
                        continue;
                    }
                    if (o.Compress)
                    {
                        await builder.WriteCompressedAsync(runFirst + i, cluster, compressed, ct);
                        i++;
                        continue;
                    }
                    var j = i + 1;
                    while (j < runCount && nonZero[j]) j++;
                    var host = builder.ReserveClusters(runFirst + i, j - i);
                    var write = builder.WriteAtAsync(host, rented.AsMemory((int)(i * cs), (int)((j - i) * cs)), ct).AsTask();
                    if (o.OutOfOrderWrites) runWrites.Add(write);
                    else await write;
                    i = j;
                }
                var done = Task.WhenAll(runWrites).ContinueWith(t =>
                {
                    Buffers.Return(rented);
                    advance(Math.Min(runCount * cs, size - runFirst * cs));
                    t.GetAwaiter().GetResult();
                }, ct, TaskContinuationOptions.None, TaskScheduler.Default);
                overlapped.Enqueue(done);
                while (overlapped.Count > ahead || (overlapped.Count > 0 && overlapped.Peek().IsCompleted)) await overlapped.Dequeue();
            }, ct);
        await Task.WhenAll(overlapped);
        await builder.FinishAsync(flush: o.FlushAtEnd, ct: ct);
    }

    /// <summary>-n onto an existing qcow2: data is written through the image, zero ranges zeroed unless --target-is-zero.</summary>
    private static async Task IntoExistingQcow2Async(DiskImage source, string target, List<(Extent Extent, int Depth)> map,
        ConvertOptions o, Action<long> advance, CancellationToken ct)
    {
        using var dst = (Qcow2Image)await ImageOpener.OpenAsync(target, "qcow2", writable: true, ct: ct);
        if (dst.VirtualSize < source.VirtualSize)
            throw new InvalidOperationException($"the target '{target}' ({dst.VirtualSize} bytes) is smaller than the source ({source.VirtualSize} bytes)");
        var buf = Buffers.Rent(RawChunk);
        try
        {
            foreach (var (e, _) in map)
            {
                if (e.Kind != ExtentKind.Data)
                {
                    if (!o.TargetIsZero) await dst.WriteZeroesAsync(e.Offset, e.Length, ct);
                    continue;
                }
                for (var pos = e.Offset; pos < e.Offset + e.Length; pos += RawChunk)
                {
                    var n = (int)Math.Min(RawChunk, e.Offset + e.Length - pos);
                    await source.ReadAsync(pos, buf.AsMemory(0, n), ct);
                    await dst.WriteAsync(pos, buf.AsMemory(0, n), ct);
                    advance(n);
                }
            }
            await dst.FlushAsync(ct);
        }
        finally { Buffers.Return(buf); }
    }

    /// <summary>-B: ranges that read as zero in the source must not show the new backing file's data.</summary>
    private static async Task ZeroWhatTheBackingWouldShowAsync(string target, List<(Extent Extent, int Depth)> map, CancellationToken ct)
    {
        // Opened with its backing chain: where zero clusters cannot be used (v2), zeros are written.
        using var dst = (Qcow2Image)await ImageOpener.OpenAsync(target, "qcow2", writable: true, ct: ct);
        foreach (var (e, _) in map.Where(m => m.Extent.Kind != ExtentKind.Data))
            await dst.WriteZeroesAsync(e.Offset, e.Length, ct);
        await dst.FlushAsync(ct);
    }

    private static IEnumerable<long> ClusterIndexes(Extent e, long cs)
    {
        for (var c = e.Offset / cs; c * cs < e.Offset + e.Length; c++) yield return c;
    }

    private static IEnumerable<(long Offset, int Length)> Split(long offset, long length, int chunk)
    {
        for (var p = offset; p < offset + length; p += chunk)
            yield return (p, (int)Math.Min(chunk, offset + length - p));
    }
}
