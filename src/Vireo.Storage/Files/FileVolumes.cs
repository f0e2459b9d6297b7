using Microsoft.Win32.SafeHandles;
using Vireo.Core.Errors;
using Vireo.Host.Files;
using Vireo.Images;
using Vireo.Images.Qcow2;

namespace Vireo.Storage.Files;

/// <summary>
/// Volumes that are files in a directory (dir, fs, netfs and gluster pools). Every file is opened through a
/// <see cref="ConfinedDirectory"/> on the pool's directory, so no operation follows a symlink out of the pool,
/// and FIFOs, sockets and devices are never opened (an open of a FIFO would block the pool forever). Image
/// work goes through Vireo.Images: nothing here shells out to qemu-img.
/// </summary>
public static partial class FileVolumes
{
    /// <summary>
    /// The volumes of a pool directory: regular files and directories, and symlinks to them. FIFOs, sockets and
    /// device nodes are skipped, as libvirt skips them; a symlink pointing out of the pool is listed but flagged.
    /// </summary>
    public static IReadOnlyList<VolumeRecord> Scan(string dir)
    {
        using var pool = ConfinedDirectory.Open(dir);
        var list = new List<VolumeRecord>();
        foreach (var name in pool.Names())
            if (Describe(pool, name) is { } v) list.Add(v);
        return list;
    }

    private static VolumeRecord? Describe(ConfinedDirectory pool, string name)
    {
        var path = Path.Combine(pool.Path, name);
        var entry = pool.Lstat(name);
        if (entry?.Kind == FileKind.Symlink)
        {
            try
            {
                using var target = pool.Locate(name);
                entry = FileStatus.Of(target);
            }
            catch (PathEscapeException) { return new VolumeRecord(name, path, path, "file", "raw", 0, 0, LeadsOutside: true); }
            catch (FileNotFoundException) { return null; } // dangling: libvirt ignores it too
        }
        return entry?.Kind switch
        {
            FileKind.Directory => new VolumeRecord(name, path, path, "dir", "dir", 0, 0, Mode: (int)entry.Mode),
            FileKind.Regular => DescribeFile(pool, name, path),
            _ => null,
        };
    }

    private static VolumeRecord? DescribeFile(ConfinedDirectory pool, string name, string path)
    {
        SafeFileHandle h;
        try { h = pool.OpenFile(name, FileAccess.Read); }
        catch (FileNotFoundException) { return null; } // removed while the pool was being read
        using (h)
        {
            var st = FileStatus.Of(h);
            var raw = new VolumeRecord(name, path, path, "file", "raw", st.Size, st.AllocatedBytes, Mode: (int)st.Mode);
            try
            {
                var format = ProbeFormat(h);
                if (format != "qcow2") return raw with { Format = format };
                using var q = Qcow2Image.OpenAsync(ConfinedDirectory.ProcPath(h)).GetAwaiter().GetResult();
                string? backing = q.Header.BackingFile is { } b ? BackingChain.Locate(path, b).Path ?? b : null;
                return raw with { Format = "qcow2", Capacity = q.VirtualSize, BackingPath = backing, BackingFormat = q.Header.BackingFormat, Physical = st.Size };
            }
            // A file that cannot be read as an image is still a volume: reported raw, as libvirt does.
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException) { return raw; }
        }
    }

    /// <summary>qcow2 (or qcow) by its magic, iso by the ISO 9660 volume descriptor ("CD001" at 32769), else raw.</summary>
    public static string ProbeFormat(SafeFileHandle f)
    {
        Span<byte> head = stackalloc byte[512];
        var format = ImageFormat.Probe(head[..RandomAccess.Read(f, head, 0)]);
        if (format != "raw") return format;
        Span<byte> id = stackalloc byte[5];
        return RandomAccess.Read(f, id, 32769) == 5 && id.SequenceEqual("CD001"u8) ? "iso" : "raw";
    }

    /// <summary>Opens a volume's file inside its pool for I/O; a volume leading out of it is refused with a clear message.</summary>
    public static SafeFileHandle Open(VolumeRecord v, FileAccess access)
    {
        RefuseOutside(v);
        using var pool = PoolOf(v);
        try { return pool.OpenFile(v.Name, access); }
        catch (PathEscapeException) { throw Outside(v); }
        catch (FileNotFoundException) { throw new VireoException(ErrorCode.NoStorageVolume, $"storage volume '{v.Name}' no longer exists at '{v.Path}' (run pool-refresh)"); }
        catch (IOException e) { throw new VireoException(ErrorCode.OperationInvalid, $"storage volume '{v.Name}' cannot be opened: {e.Message}"); }
    }

    /// <summary>The pool directory a file volume lies in (volumes are entries of their pool's directory).</summary>
    private static ConfinedDirectory PoolOf(VolumeRecord v) => ConfinedDirectory.Open(Path.GetDirectoryName(v.Path)!);

    private static void RefuseOutside(VolumeRecord v)
    {
        if (v.LeadsOutside) throw Outside(v);
    }

    private static VireoException Outside(VolumeRecord v)
    {
        var target = new FileInfo(v.Path).LinkTarget is { } t ? $" to '{t}'" : "";
        return new VireoException(ErrorCode.OperationInvalid,
            $"storage volume '{v.Name}' is a symbolic link{target}, which leads out of its pool directory '{Path.GetDirectoryName(v.Path)}': " +
            "vireod does not follow it (remove the link by hand if it is not wanted)");
    }
}
