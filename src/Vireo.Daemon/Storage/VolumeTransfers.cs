using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Host.Interop;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>vol-upload and vol-download: the bytes of a volume's file, opened inside its pool.</summary>
public sealed class VolumeTransfers(PoolRegistry pools, PoolVolumes volumes, GuestPathPolicy pathPolicy, Domains.IDiskUsers diskUsers,
    ILogger<VolumeTransfers> logger)
{
    /// <summary>vol-upload: the stream's bytes are written into the volume's file at offset (the file itself, as libvirt does).</summary>
    public Task<PoolVolume> UploadAsync(string? pool, string key, Stream body, long offset, long? length, CancellationToken ct)
    {
        CheckRange("vol-upload", offset, length);
        var (p, v) = volumes.Find(pool, key);
        return pools.WithPoolAsync(p, (e, b) =>
        {
            PoolChecks.Require(b, PoolCapabilities.UploadDownload, e, "vol-upload");
            var files = FilesOf(b, e, v, "vol-upload");
            if (diskUsers.RunningDomainsUsing(v.Path) is { Count: > 0 } users)
                throw new VireoException(ErrorCode.OperationInvalid, $"storage volume '{v.Name}' is in use by running domain '{users[0]}'");
            return Log.VolumeOperationAsync(logger, e.Name, v.Name, "upload", async () =>
            {
                await WriteAsync(files, v, body, offset, length, ct);
                await e.RefreshAsync(b, ct);
                return new PoolVolume(e.Name, e.Volumes.First(x => x.Path == v.Path));
            });
        });
    }

    private static async Task WriteAsync(IVolumeFiles files, VolumeRecord v, Stream body, long offset, long? length, CancellationToken ct)
    {
        using var f = files.OpenVolume(v, FileAccess.Write);
        var buf = new byte[1 << 20];
        var pos = offset;
        var left = length ?? long.MaxValue;
        while (left > 0)
        {
            var n = await body.ReadAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, left)), ct);
            if (n == 0) break;
            if (n > long.MaxValue - pos) throw TooFar(v, pos, n);
            try
            {
                // Sparse-aware: runs of zeros past the end become holes instead of written blocks.
                if (pos + n > RandomAccess.GetLength(f) && !buf.AsSpan(0, n).ContainsAnyExcept((byte)0)) RandomAccess.SetLength(f, pos + n);
                else await RandomAccess.WriteAsync(f, buf.AsMemory(0, n), pos, ct);
            }
            catch (IOException ex) when (ex.HResult == PathSyscalls.EFBIG) { throw TooFar(v, pos, n); }
            pos += n;
            left -= n;
        }
        if (length is null && offset == 0 && pos < RandomAccess.GetLength(f)) RandomAccess.SetLength(f, pos);
    }

    /// <summary>
    /// vol-download: the volume's file, from offset for length bytes (or to the end). A qcow2 whose backing chain
    /// leads where guests may not go is refused: it is half of a way to read that file.
    /// </summary>
    public (Stream Stream, long Length) OpenDownload(string? pool, string key, long offset, long? length)
    {
        CheckRange("vol-download", offset, length);
        var (e, v) = volumes.Find(pool, key);
        var b = pools.BackendOf(e);
        if ((b.Capabilities & PoolCapabilities.UploadDownload) == 0)
            throw new VireoException(ErrorCode.NotSupported, $"storage pool type '{e.Definition.Type}' does not support vol-download");
        var files = FilesOf(b, e, v, "vol-download");
        if (files.BackingProblem(v, pathPolicy) is { } problem)
            throw new VireoException(ErrorCode.OperationInvalid, $"storage volume '{v.Name}' cannot be downloaded: {problem}");
        var handle = files.OpenVolume(v, FileAccess.Read);
        var fs = new FileStream(handle, FileAccess.Read, 1 << 20, isAsync: false);
        var end = length is { } l ? Math.Min(fs.Length, offset + Math.Min(l, long.MaxValue - offset)) : fs.Length;
        fs.Position = Math.Min(offset, fs.Length);
        return (fs, Math.Max(0, end - fs.Position));
    }

    /// <summary>--offset and --length are byte counts: never negative, and their sum must be a file position.</summary>
    private static void CheckRange(string command, long offset, long? length)
    {
        if (offset < 0) throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: {command} --offset {offset} must not be negative");
        if (length < 0) throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: {command} --length {length} must not be negative");
        if (length is { } l && l > long.MaxValue - offset)
            throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: {command} --offset {offset} plus --length {l} is beyond the largest file position");
    }

    private static IVolumeFiles FilesOf(IPoolBackend b, PoolEntry e, VolumeRecord v, string command) =>
        b as IVolumeFiles is { } files && v.Type is "file" or "network"
            ? files
            : throw new VireoException(ErrorCode.NotSupported, $"{command} needs a volume Vireo can reach as a file; '{v.Name}' in pool '{e.Name}' is a {v.Type} volume");

    private static VireoException TooFar(VolumeRecord v, long pos, int n) =>
        new(ErrorCode.InvalidArgument, $"invalid argument: vol-upload cannot write {n} bytes at offset {pos} of volume '{v.Name}': the file system holds no file that large");
}
