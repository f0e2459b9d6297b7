using Microsoft.Win32.SafeHandles;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Host.Files;
using Vireo.Images;
using Vireo.Images.Qcow2;
using Vireo.Images.Raw;

namespace Vireo.Storage.Files;

/// <summary>
/// Opens an image and its backing chain for reading (vol-clone, vol-create with a backing store). Each backing
/// file is opened once, then the file actually opened is checked against the guest path policy and must be a
/// regular file: a chain leading into /etc, or to a FIFO, is refused, and nothing can be swapped in between.
/// </summary>
public static class VolumeChain
{
    /// <summary>The image behind an already opened (and confined) descriptor, with its chain.</summary>
    /// <param name="named">the image's path as named, which relative backing names are relative to</param>
    public static Task<DiskImage> OpenAsync(SafeFileHandle image, string named, string format, GuestPathPolicy policy, CancellationToken ct) =>
        LayerAsync(image, named, format, policy, [], ct);

    /// <summary>An image named by path (a backing store given in volume XML), checked like a backing file.</summary>
    public static async Task<DiskImage> OpenPathAsync(string path, string? format, GuestPathPolicy policy, string what, CancellationToken ct)
    {
        using var h = OpenChecked(path, policy, what);
        return await LayerAsync(h, path, format, policy, [], ct);
    }

    private static async Task<DiskImage> LayerAsync(SafeFileHandle h, string named, string? format, GuestPathPolicy policy, HashSet<string> seen, CancellationToken ct)
    {
        var real = HostPaths.Of(h);
        if (!seen.Add(real)) throw Refused($"the backing chain of '{named}' loops back to '{real}'");
        if (seen.Count > ImageOpener.MaxChainDepth) throw Refused($"the backing chain of '{named}' is deeper than {ImageOpener.MaxChainDepth} images");
        var at = ConfinedDirectory.ProcPath(h);
        format ??= ImageFormat.Probe(at);
        if (format is "iso") format = "raw";
        if (format == "raw") return RawImage.Open(at);
        if (format != "qcow2") throw new VireoException(ErrorCode.NotSupported, $"'{named}' is a {format} image; Vireo reads raw and qcow2");
        var q = await Qcow2Image.OpenAsync(at, ct: ct);
        try
        {
            if (q.Header.BackingFile is not { } backing) return q;
            var (full, why) = BackingChain.Locate(named, backing);
            if (full is null) throw Refused($"'{named}' has backing file '{backing}', {why}");
            using var bh = OpenChecked(full, policy, $"backing file '{backing}' of '{named}'");
            return new LayeredImage(q, await LayerAsync(bh, full, q.Header.BackingFormat, policy, seen, ct));
        }
        catch
        {
            q.Dispose();
            throw;
        }
    }

    /// <summary>Opens a file anywhere on the host for reading, then checks where it really is.</summary>
    private static SafeFileHandle OpenChecked(string path, GuestPathPolicy policy, string what)
    {
        SafeFileHandle h;
        try { h = HostPaths.OpenFile(path, FileAccess.Read); }
        catch (FileNotFoundException) { throw new VireoException(ErrorCode.OperationFailed, $"{what} does not exist"); }
        catch (IOException e) { throw Refused($"{what}: {e.Message}"); }
        if (policy.Explain(path, HostPaths.Of(h), readOnly: true) is { } refusal)
        {
            h.Dispose();
            throw Refused($"{what}: {refusal}");
        }
        return h;
    }

    private static VireoException Refused(string message) => new(ErrorCode.OperationInvalid, message);
}
