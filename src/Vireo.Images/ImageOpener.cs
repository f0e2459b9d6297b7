using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Images;

/// <summary>Opens an image and its backing chain, with qemu's rules for names and formats.</summary>
public static class ImageOpener
{
    public const int MaxChainDepth = 64;

    /// <param name="format">The user's format; when given it is never overridden by a probe.</param>
    public static Task<DiskImage> OpenAsync(string path, string? format = null, bool writable = false, bool openBacking = true,
        CancellationToken ct = default) =>
        OpenChainAsync(path, format, writable, openBacking, [], ct);

    private static async Task<DiskImage> OpenChainAsync(string path, string? format, bool writable, bool openBacking,
        HashSet<string> seen, CancellationToken ct)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Could not open '{path}': No such file or directory", path);
        var real = Path.GetFullPath(new FileInfo(path).ResolveLinkTarget(true)?.FullName ?? path);
        if (!seen.Add(real)) throw new InvalidDataException($"backing chain of '{path}' loops back to '{real}'");
        if (seen.Count > MaxChainDepth) throw new InvalidDataException($"backing chain is deeper than {MaxChainDepth} images");
        format ??= ImageFormat.Probe(path);
        switch (format)
        {
            case "raw":
                return RawImage.Open(path, writable);
            case "qcow2":
                var q = await Qcow2Image.OpenAsync(path, writable, ct);
                try
                {
                    if (openBacking && q.Header.BackingFile is { } backing)
                    {
                        var full = FullBackingPath(path, backing);
                        q.AttachBacking(await OpenChainAsync(full, q.Header.BackingFormat, false, true, seen, ct));
                    }
                    return q;
                }
                catch
                {
                    q.Dispose();
                    throw;
                }
            default:
                throw new NotSupportedException($"Unknown file format '{format}'");
        }
    }

    /// <summary>qemu's path_combine: a relative backing name is relative to the overlay's directory.</summary>
    public static string FullBackingPath(string overlay, string backing)
    {
        if (Path.IsPathRooted(backing)) return backing;
        if (backing.Contains("://") || (backing.IndexOf(':') is var c and > 0 && !backing[..c].Contains('/')))
            throw new NotSupportedException($"backing file '{backing}' uses a protocol Vireo does not open");
        var dir = Path.GetDirectoryName(overlay);
        return string.IsNullOrEmpty(dir) ? backing : Path.Combine(dir, backing);
    }
}
