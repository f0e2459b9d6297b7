using Microsoft.Win32.SafeHandles;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Host.Files;
using Vireo.Host.Interop;
using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Storage.Files;

public static partial class FileVolumes
{
    /// <summary>vol-resize, on the volume's own file inside the pool.</summary>
    public static async Task ResizeAsync(VolumeRecord v, long capacity, bool shrink, CancellationToken ct)
    {
        using var h = Open(v, FileAccess.ReadWrite);
        await Guard(v, "resize", () => ResizeAtAsync(ConfinedDirectory.ProcPath(h), v.Format, capacity, shrink, ct));
    }

    private static async Task ResizeAtAsync(string at, string format, long capacity, bool shrink, CancellationToken ct)
    {
        if (format == "qcow2")
        {
            using var q = await Qcow2Image.OpenAsync(at, writable: true, ct: ct);
            await q.ResizeAsync(capacity, shrink, ct);
            return;
        }
        using var f = File.OpenHandle(at, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.SetLength(f, capacity);
    }

    /// <summary>vol-wipe's default algorithm: the volume's contents become zeros and stay that size.</summary>
    public static async Task WipeAsync(VolumeRecord v, CancellationToken ct)
    {
        using var h = Open(v, FileAccess.ReadWrite);
        await Guard(v, "wipe", async () =>
        {
            if (v.Format == "qcow2")
            {
                using var q = await Qcow2Image.OpenAsync(ConfinedDirectory.ProcPath(h), writable: true, ct: ct);
                await q.WriteZeroesAsync(0, q.VirtualSize, ct);
                await q.FlushAsync(ct);
                return;
            }
            using var raw = RawImage.Open(ConfinedDirectory.ProcPath(h), writable: true);
            var zeros = new byte[1 << 20];
            var length = RandomAccess.GetLength(h);
            for (long pos = 0; pos < length; pos += zeros.Length)
                await raw.WriteAsync(pos, zeros.AsMemory(0, (int)Math.Min(zeros.Length, length - pos)), ct);
            RandomAccess.FlushToDisk(raw.Handle);
        });
    }

    /// <summary>vol-delete: the pool's entry is removed (a file, or an empty directory, as libvirt's rmdir).</summary>
    public static void Delete(VolumeRecord v)
    {
        RefuseOutside(v);
        using var pool = PoolOf(v);
        try
        {
            if (v.Type is "dir" or "netdir") pool.DeleteDirectory(v.Name);
            else pool.Delete(v.Name);
        }
        catch (IOException e) when (e.HResult == PathSyscalls.ENOTEMPTY)
        {
            throw new VireoException(ErrorCode.OperationInvalid, $"cannot remove directory '{v.Path}': Directory not empty");
        }
        catch (IOException e) { throw new VireoException(ErrorCode.OperationFailed, e.Message); }
    }

    /// <summary>Why the whole volume may not be handed out: its backing chain leads where guests may not go.</summary>
    public static string? BackingProblem(VolumeRecord v, GuestPathPolicy policy)
    {
        if (v.Format is not "qcow2") return null;
        using (Open(v, FileAccess.Read)) { } // a file inside the pool, not a link out of it
        // Relative backing names are relative to the volume's own path, as QEMU reads them.
        var problems = BackingChain.Problems(v.Path, "qcow2", true, policy.Including(Path.GetDirectoryName(v.Path)!));
        return problems.Count > 0 ? string.Join("; ", problems) : null;
    }

    /// <summary>The permissions a volume's XML asks for, applied to the open file itself (never through a path).</summary>
    private static void ApplyPermissions(SafeFileHandle file, Core.Storage.Permissions? p)
    {
        if (p is null) return;
        var at = ConfinedDirectory.ProcPath(file);
        if (p.Mode is { } mode) File.SetUnixFileMode(at, (UnixFileMode)mode);
        if ((p.Owner ?? -1) != -1 || (p.Group ?? -1) != -1) LibC.Chown(at, p.Owner ?? -1, p.Group ?? -1);
    }

    /// <summary>Pool directories themselves (pool-build): the administrator's own path.</summary>
    public static void ApplyPermissions(string path, Core.Storage.Permissions? p)
    {
        if (p is null) return;
        if (p.Mode is { } mode) File.SetUnixFileMode(path, (UnixFileMode)mode);
        if ((p.Owner ?? -1) != -1 || (p.Group ?? -1) != -1) LibC.Chown(path, p.Owner ?? -1, p.Group ?? -1);
    }

    /// <summary>Errors of the file system and the image engine as errors the caller can act on, naming the volume.</summary>
    private static async Task Guard(VolumeRecord v, string what, Func<Task> op)
    {
        try { await op(); }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or NotSupportedException)
        {
            throw new VireoException(Classify(e), $"cannot {what} storage volume '{v.Name}': {e.Message}");
        }
    }

    /// <summary>A size the file system or the format cannot hold is the caller's to change; a full disk or a corrupt image is not.</summary>
    private static ErrorCode Classify(Exception e) => e switch
    {
        IOException io when io.HResult == PathSyscalls.EFBIG => ErrorCode.InvalidArgument,
        ArgumentException => ErrorCode.InvalidArgument,
        NotSupportedException => ErrorCode.NotSupported,
        _ => ErrorCode.OperationFailed,
    };
}
