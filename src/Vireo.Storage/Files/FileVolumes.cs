using Vireo.Core.Errors;
using Vireo.Images;
using Vireo.Images.Convert;
using Vireo.Images.Info;
using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Storage.Files;

/// <summary>
/// Volumes that are files in a directory (dir, fs and netfs pools). Every image operation goes
/// through Vireo.Images: nothing here shells out to qemu-img.
/// </summary>
public static class FileVolumes
{
    public static IReadOnlyList<VolumeRecord> Scan(string dir)
    {
        var list = new List<VolumeRecord>();
        foreach (var path in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
        {
            try { if (Describe(path) is { } v) list.Add(v); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException)
            {
                // A file that cannot be read as an image is still a volume: report it raw, as libvirt does.
                var info = new FileInfo(path);
                list.Add(new VolumeRecord(info.Name, path, path, "file", "raw", info.Length, ImageInfo.ActualSize(path)));
            }
        }
        return list;
    }

    public static VolumeRecord? Describe(string path)
    {
        var name = Path.GetFileName(path);
        if (Directory.Exists(path)) return new VolumeRecord(name, path, path, "dir", "dir", 0, 0);
        var attrs = File.GetAttributes(path);
        if ((attrs & (FileAttributes.Device | FileAttributes.ReparsePoint)) != 0 && !File.Exists(path)) return null;
        var format = ProbeFormat(path);
        if (format == "qcow2")
        {
            using var q = Qcow2Image.OpenAsync(path).GetAwaiter().GetResult();
            string? backing = q.Header.BackingFile is { } b ? ImageOpener.FullBackingPath(path, b) : null;
            return new VolumeRecord(name, path, path, "file", "qcow2", q.VirtualSize, ImageInfo.ActualSize(path), backing, q.Header.BackingFormat,
                Physical: new FileInfo(path).Length);
        }
        return new VolumeRecord(name, path, path, "file", format, new FileInfo(path).Length, ImageInfo.ActualSize(path));
    }

    /// <summary>qcow2 by its magic, iso by the ISO 9660 volume descriptor ("CD001" at 32769), else raw.</summary>
    public static string ProbeFormat(string path)
    {
        var format = ImageFormat.Probe(path);
        if (format != "raw") return format;
        using var f = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Span<byte> id = stackalloc byte[5];
        return RandomAccess.Read(f, id, 32769) == 5 && id.SequenceEqual("CD001"u8) ? "iso" : "raw";
    }

    public static async Task<VolumeRecord> CreateAsync(string dir, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct)
    {
        var def = spec.Definition;
        var path = Path.Combine(dir, def.Name);
        if (File.Exists(path) || Directory.Exists(path))
            throw new VireoException(ErrorCode.OperationFailed, $"storage volume '{def.Name}' already exists in '{dir}'");
        var format = def.Format ?? spec.CloneFrom?.Format switch { "iso" => "raw", { } f => f, null => "raw" };
        if (format == "iso") format = "raw";
        if (format is not ("raw" or "qcow2" or "dir"))
            throw new VireoException(ErrorCode.NotSupported, $"volume format '{format}' is not supported (raw, qcow2, iso, dir)");
        if (def.Encrypted) throw new VireoException(ErrorCode.NotSupported, $"encrypted volumes are not supported yet (volume '{def.Name}')");
        try
        {
            if (format == "dir") Directory.CreateDirectory(path);
            else if (spec.CloneFrom is { } src) await CloneAsync(src, path, format, def, progress, ct);
            else await CreateEmptyAsync(path, format, def, spec.PreallocMetadata, ct);
            ApplyPermissions(path, def.TargetPermissions);
        }
        catch (Exception e) when (e is not VireoException)
        {
            // A half-made volume is worse than none.
            TryDelete(path);
            throw new VireoException(ErrorCode.OperationFailed, $"cannot create storage volume '{def.Name}': {e.Message}");
        }
        catch
        {
            TryDelete(path);
            throw;
        }
        return Describe(path)!;
    }

    private static async Task CreateEmptyAsync(string path, string format, Core.Storage.StorageVolumeDefinition def, bool preallocMetadata, CancellationToken ct)
    {
        var capacity = def.Capacity ?? BackingCapacity(def);
        if (format == "raw")
        {
            if (def.BackingPath is not null) throw new VireoException(ErrorCode.ConfigUnsupported, $"a raw volume cannot have a backing store (volume '{def.Name}')");
            // libvirt (formatstorage): an allocation as large as the capacity - or none at all - means a fully
            // allocated file; a smaller one, a sparse file.
            var full = def.Allocation is not { } a || a >= capacity;
            RawCreator.Create(path, capacity, full ? "falloc" : "off");
            return;
        }
        var o = new Qcow2CreateOptions
        {
            Size = capacity,
            Compat = def.Compat ?? "1.1",
            LazyRefcounts = def.LazyRefcounts,
            ClusterSize = def.ClusterSize ?? 65536,
            BackingFile = def.BackingPath,
            BackingFormat = def.BackingPath is null ? null : def.BackingFormat ?? ImageFormat.Probe(def.BackingPath),
            Preallocation = preallocMetadata ? "metadata" : "off",
        };
        if (def.BackingPath is { } bp && !File.Exists(bp))
            throw new VireoException(ErrorCode.OperationFailed, $"backing store '{bp}' of volume '{def.Name}' does not exist");
        await using var b = Qcow2Builder.Create(path, o);
        await b.FinishAsync(o.Preallocation, ct: ct);
    }

    private static long BackingCapacity(Core.Storage.StorageVolumeDefinition def)
    {
        using var img = ImageOpener.OpenAsync(def.BackingPath!, def.BackingFormat).GetAwaiter().GetResult();
        return img.VirtualSize;
    }

    private static async Task CloneAsync(VolumeRecord src, string path, string format, Core.Storage.StorageVolumeDefinition def, IProgress<double>? progress, CancellationToken ct)
    {
        using var source = await ImageOpener.OpenAsync(src.Path, src.Format is "iso" or "dir" ? "raw" : src.Format, ct: ct);
        var o = new ConvertOptions
        {
            OutputFormat = format,
            Qcow2 = new Qcow2CreateOptions { Compat = def.Compat ?? "1.1", LazyRefcounts = def.LazyRefcounts, ClusterSize = def.ClusterSize ?? 65536 },
            Progress = progress is null ? null : progress.Report,
        };
        await ImageConverter.ConvertAsync(source, path, o, ct);
        // The new volume may be bigger than its source (vol-create-from with a larger capacity).
        if (def.Capacity is { } cap && cap > source.VirtualSize) await ResizeAsync(path, format, cap, shrink: false, ct);
    }

    public static async Task ResizeAsync(string path, string format, long capacity, bool shrink, CancellationToken ct)
    {
        if (format == "qcow2")
        {
            using var q = await Qcow2Image.OpenAsync(path, writable: true, ct: ct);
            await q.ResizeAsync(capacity, shrink, ct);
            return;
        }
        using var f = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.SetLength(f, capacity);
    }

    /// <summary>vol-wipe's default algorithm: the volume's contents become zeros and stay that size.</summary>
    public static async Task WipeAsync(VolumeRecord v, CancellationToken ct)
    {
        if (v.Format == "qcow2")
        {
            using var q = await Qcow2Image.OpenAsync(v.Path, writable: true, ct: ct);
            await q.WriteZeroesAsync(0, q.VirtualSize, ct);
            await q.FlushAsync(ct);
            return;
        }
        using var raw = RawImage.Open(v.Path, writable: true);
        var zeros = new byte[1 << 20];
        for (long pos = 0; pos < v.Capacity; pos += zeros.Length)
            await raw.WriteAsync(pos, zeros.AsMemory(0, (int)Math.Min(zeros.Length, v.Capacity - pos)), ct);
        RandomAccess.FlushToDisk(raw.Handle);
    }

    public static void Delete(VolumeRecord v)
    {
        if (v.Type == "dir") Directory.Delete(v.Path, recursive: false);
        else File.Delete(v.Path);
    }

    public static void ApplyPermissions(string path, Core.Storage.Permissions? p)
    {
        if (p is null) return;
        if (p.Mode is { } mode) File.SetUnixFileMode(path, (UnixFileMode)mode);
        if ((p.Owner ?? -1) != -1 || (p.Group ?? -1) != -1)
            Host.Interop.LibC.Chown(path, p.Owner ?? -1, p.Group ?? -1);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
            else if (Directory.Exists(path)) Directory.Delete(path);
        }
        catch (IOException) { }
    }
}
