using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Core.Paths;
using Vireo.Core.Storage;
using Vireo.Host.Files;
using Vireo.Images;
using Vireo.Images.Convert;
using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Storage.Files;

public static partial class FileVolumes
{
    /// <summary>No backing file may be followed when the caller gave no policy.</summary>
    private static readonly GuestPathPolicy NoBackingFiles = new([], []);

    /// <summary>
    /// vol-create, vol-create-as, vol-clone: the new file is created inside the pool (O_EXCL, never through an
    /// existing name or symlink) and filled through its descriptor; a half-made volume is removed (a half-made
    /// volume is worse than none).
    /// </summary>
    public static async Task<VolumeRecord> CreateAsync(string dir, VolumeSpec spec, IProgress<double>? progress, ILogger logger, CancellationToken ct)
    {
        var def = spec.Definition;
        using var pool = ConfinedDirectory.Open(dir);
        FileStatus? existing;
        try { existing = pool.Lstat(def.Name); }
        catch (PathEscapeException) { throw new VireoException(ErrorCode.XmlValidation, $"volume name '{def.Name}' must be a single file name (no '/', not '.' or '..')"); }
        if (existing is not null) throw new VireoException(ErrorCode.OperationFailed, $"storage volume '{def.Name}' already exists in '{dir}'");
        var format = def.Format ?? spec.CloneFrom?.Format switch { "iso" => "raw", { } f => f, null => "raw" };
        if (format == "iso") format = "raw";
        if (format is not ("raw" or "qcow2" or "dir"))
            throw new VireoException(ErrorCode.NotSupported, $"volume format '{format}' is not supported (raw, qcow2, iso, dir)");
        if (def.Encrypted) throw new VireoException(ErrorCode.NotSupported, $"encrypted volumes are not supported yet (volume '{def.Name}')");
        // A backing file in the new volume's own pool is part of that pool (a linked clone of one of its volumes).
        var policy = (spec.BackingPolicy ?? NoBackingFiles).Including(dir);
        await using var undo = new Rollback(message => Log.VolumeUndoFailed(logger, def.Name, dir, message));
        try
        {
            if (format == "dir")
            {
                pool.CreateDirectory(def.Name, (UnixFileMode)Convert.ToInt32("777", 8));
                undo.Add($"remove directory '{def.Name}'", () => pool.DeleteDirectory(def.Name));
                using var d = pool.Locate(def.Name);
                ApplyPermissions(d, def.TargetPermissions);
            }
            else
            {
                using var file = pool.CreateFile(def.Name, (UnixFileMode)Convert.ToInt32("666", 8));
                undo.Add($"remove file '{def.Name}'", () => pool.Delete(def.Name));
                var at = ConfinedDirectory.ProcPath(file);
                if (spec.CloneFrom is { } src) await CloneAsync(src, at, format, def, policy, progress, ct);
                else await CreateEmptyAsync(at, format, def, spec.PreallocMetadata, policy, ct);
                ApplyPermissions(file, def.TargetPermissions);
            }
        }
        catch (Exception e) when (e is not VireoException)
        {
            throw new VireoException(Classify(e), $"cannot create storage volume '{def.Name}': {e.Message}");
        }
        undo.Commit();
        return Describe(pool, def.Name)!;
    }

    private static async Task CreateEmptyAsync(string at, string format, StorageVolumeDefinition def, bool preallocMetadata, GuestPathPolicy policy, CancellationToken ct)
    {
        long? backingSize = null;
        string? backingFormat = null;
        if (def.BackingPath is { } bp)
        {
            if (format == "raw") throw new VireoException(ErrorCode.ConfigUnsupported, $"a raw volume cannot have a backing store (volume '{def.Name}')");
            using var backing = await VolumeChain.OpenPathAsync(bp, def.BackingFormat, policy, $"backing store '{bp}' of volume '{def.Name}'", ct);
            backingSize = backing.VirtualSize;
            backingFormat = def.BackingFormat ?? backing.Format;
        }
        var capacity = def.Capacity ?? backingSize!.Value;
        if (format == "raw")
        {
            // libvirt (formatstorage): an allocation as large as the capacity - or none at all - means a fully
            // allocated file; a smaller one, a sparse file.
            var full = def.Allocation is not { } a || a >= capacity;
            RawCreator.Create(at, capacity, full ? "falloc" : "off");
            return;
        }
        var o = new Qcow2CreateOptions
        {
            Size = capacity,
            Compat = def.Compat ?? "1.1",
            LazyRefcounts = def.LazyRefcounts,
            ClusterSize = def.ClusterSize ?? 65536,
            BackingFile = def.BackingPath,
            BackingFormat = backingFormat,
            Preallocation = preallocMetadata ? "metadata" : "off",
        };
        await using var b = Qcow2Builder.Create(at, o);
        await b.FinishAsync(o.Preallocation, ct: ct);
    }

    /// <summary>The source is opened inside its own pool; its backing chain only where guests may go.</summary>
    private static async Task CloneAsync(VolumeRecord src, string at, string format, StorageVolumeDefinition def, GuestPathPolicy policy,
        IProgress<double>? progress, CancellationToken ct)
    {
        using var h = Open(src, FileAccess.Read);
        var srcPolicy = policy.Including(Path.GetDirectoryName(src.Path)!);
        using var source = await VolumeChain.OpenAsync(h, src.Path, src.Format is "iso" or "dir" ? "raw" : src.Format, srcPolicy, ct);
        var o = new ConvertOptions
        {
            OutputFormat = format,
            Qcow2 = new Qcow2CreateOptions { Compat = def.Compat ?? "1.1", LazyRefcounts = def.LazyRefcounts, ClusterSize = def.ClusterSize ?? 65536 },
            Progress = progress is null ? null : progress.Report,
        };
        await ImageConverter.ConvertAsync(source, at, o, ct);
        // The new volume may be bigger than its source (vol-create-from with a larger capacity).
        if (def.Capacity is { } cap && cap > source.VirtualSize) await ResizeAtAsync(at, format, cap, shrink: false, ct);
    }
}
