using System.Text.RegularExpressions;
using Vireo.Core.Errors;
using Vireo.Core.OsInfo;
using Vireo.Images.Iso;

namespace Vireo.Daemon.Install;

/// <summary>
/// Where --location points: an ISO (read with Vireo.Images, never loop-mounted), a directory tree, or an
/// http(s) URL of a tree. Finds the installer's kernel and initrd and, where it can, which OS it installs.
/// </summary>
public abstract class InstallSource : IDisposable
{
    public abstract string Describe { get; }
    public virtual string? VolumeId => null;

    /// <summary>The file's bytes, or null when the source has no such file.</summary>
    public abstract Task<byte[]?> TryReadAsync(string path, CancellationToken ct);

    public virtual void Dispose() { }

    /// <summary>Kernel and initrd paths of the installers Vireo knows, in the order they are tried after .treeinfo.</summary>
    public static readonly IReadOnlyList<(string Kernel, string Initrd, string Layout)> KnownLayouts =
    [
        ("install.amd/vmlinuz", "install.amd/initrd.gz", "Debian"),
        ("install/vmlinuz", "install/initrd.gz", "Debian/Ubuntu legacy installer"),
        ("casper/vmlinuz", "casper/initrd", "Ubuntu live server"),
        ("casper/vmlinuz.efi", "casper/initrd.lz", "Ubuntu live (older)"),
        ("images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", "Fedora/CentOS/RHEL"),
        ("isolinux/vmlinuz", "isolinux/initrd.img", "Fedora/CentOS/RHEL isolinux"),
        ("main/installer-amd64/current/images/netboot/debian-installer/amd64/linux",
            "main/installer-amd64/current/images/netboot/debian-installer/amd64/initrd.gz", "Debian mirror"),
    ];

    /// <summary>
    /// An http(s) URL, or an absolute path on vireod's host (file:///path too) of a directory, an ISO file
    /// or a block device. Anything else is refused by name: other URL schemes, relative paths (they would
    /// be resolved against vireod's working directory), fifos, sockets and character devices (reading
    /// one can block forever).
    /// </summary>
    public static InstallSource Open(string location, HttpClient http)
    {
        if (Regex.IsMatch(location, "^https?://", RegexOptions.IgnoreCase)) return new UrlSource(location, http);
        var path = location.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? Uri.UnescapeDataString(location["file://".Length..]) : location;
        if (Regex.Match(path, "^([A-Za-z][A-Za-z0-9+.-]*)://") is { Success: true } scheme)
            throw Bad(location, $"{scheme.Groups[1].Value}:// locations are not supported: use an http(s) URL, an ISO, a block device or a directory");
        if (!Path.IsPathFullyQualified(path)) throw Bad(location, "the path must be absolute (it is read on vireod's host)");
        Vireo.Host.Interop.FileStatus status;
        try { status = Vireo.Host.Interop.LibC.StatFile(path); }
        catch (IOException e) { throw Bad(location, e.Message); }
        if (status.IsDirectory) return new DirectorySource(path);
        if (!status.IsRegularFile && !status.IsBlockDevice)
            throw Bad(location, $"it is a {status.TypeName}: expected an ISO file, a block device or a directory");
        try { return new IsoSource(path, IsoReader.Open(path)); }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw Bad(location, $"not an ISO 9660 image or install tree: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"--location '{location}': cannot read it: {e.Message}");
        }
    }

    private static VireoException Bad(string location, string why) => new(ErrorCode.InvalidArgument, $"--location '{location}': {why}");

    /// <summary>.treeinfo as sections of key = value.</summary>
    public async Task<Dictionary<string, Dictionary<string, string>>?> TreeinfoAsync(CancellationToken ct)
    {
        var bytes = await TryReadAsync(".treeinfo", ct) ?? await TryReadAsync("treeinfo", ct);
        if (bytes is null) return null;
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        Dictionary<string, string>? cur = null;
        foreach (var raw in System.Text.Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']')) sections[line[1..^1]] = cur = new(StringComparer.OrdinalIgnoreCase);
            else if (cur is not null && line.IndexOf('=') is var eq and > 0) cur[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return sections;
    }

    /// <summary>The installer's kernel and initrd; the error lists every path looked at.</summary>
    public async Task<(string Kernel, byte[] KernelBytes, string Initrd, byte[] InitrdBytes)> FindKernelAsync(OsInfo? os, CancellationToken ct)
    {
        var candidates = new List<(string, string)>();
        if (await TreeinfoAsync(ct) is { } ti && ti.TryGetValue("images-x86_64", out var images) && images.TryGetValue("kernel", out var k) && images.TryGetValue("initrd", out var i))
            candidates.Add((k, i));
        foreach (var m in os?.Media ?? [])
            if (m.Arch is "x86_64" or "all" && m.Kernel is { } mk && m.Initrd is { } mi) candidates.Add((mk, mi));
        candidates.AddRange(KnownLayouts.Select(l => (l.Kernel, l.Initrd)));
        foreach (var (kernel, initrd) in candidates.Distinct())
        {
            if (await TryReadAsync(kernel, ct) is not { } kb) continue;
            if (await TryReadAsync(initrd, ct) is not { } ib) continue;
            return (kernel, kb, initrd, ib);
        }
        throw new VireoException(ErrorCode.InvalidArgument,
            $"Could not find an installable distribution at {Describe}: no kernel and initrd found. Looked for .treeinfo [images-x86_64] and: " +
            string.Join(", ", candidates.Distinct().Select(c => $"{c.Item1} + {c.Item2}")));
    }

    /// <summary>The OS on the medium: .treeinfo family/version, the ISO volume id, or .disk/info (Debian, Ubuntu).</summary>
    public async Task<OsInfo?> DetectAsync(OsInfoDb db, CancellationToken ct)
    {
        if (await TreeinfoAsync(ct) is { } ti)
        {
            string? Get(string section, string key) => ti.TryGetValue(section, out var s) && s.TryGetValue(key, out var v) ? v : null;
            var family = Get("general", "family") ?? Get("release", "name");
            var version = Get("general", "version") ?? Get("release", "version");
            if (family is not null && version is not null && db.DetectByTree(family, version) is { } byTree) return byTree;
        }
        if (VolumeId is { Length: > 0 } vid && db.DetectByVolumeId(vid) is { } byIso) return byIso;
        if (await TryReadAsync(".disk/info", ct) is { } info)
        {
            var text = System.Text.Encoding.UTF8.GetString(info);
            if (Regex.Match(text, @"Debian GNU/Linux (\d+)") is { Success: true } d && db.Find($"debian{d.Groups[1].Value}") is { } deb) return deb;
            if (Regex.Match(text, @"Ubuntu(?:-Server)? (\d+\.\d+)") is { Success: true } u && db.Find($"ubuntu{u.Groups[1].Value}") is { } ub) return ub;
        }
        return null;
    }

    private sealed class IsoSource(string path, IsoReader iso) : InstallSource
    {
        public override string Describe => $"ISO {path}";
        public override string? VolumeId => iso.VolumeId;
        public override Task<byte[]?> TryReadAsync(string p, CancellationToken ct)
        {
            var norm = p.TrimStart('/');
            var entry = iso.Entries.FirstOrDefault(e => !e.IsDirectory && string.Equals(e.Path, norm, StringComparison.OrdinalIgnoreCase));
            return Task.FromResult(entry is null ? null : iso.ReadFile(entry.Path));
        }
        public override void Dispose() => iso.Dispose();
    }

    private sealed class DirectorySource(string dir) : InstallSource
    {
        public override string Describe => $"directory {dir}";
        public override async Task<byte[]?> TryReadAsync(string p, CancellationToken ct)
        {
            var full = Path.GetFullPath(Path.Combine(dir, p.TrimStart('/')));
            if (!full.StartsWith(Path.GetFullPath(dir), StringComparison.Ordinal) || !File.Exists(full)) return null;
            return await File.ReadAllBytesAsync(full, ct);
        }
    }

    private sealed class UrlSource(string url, HttpClient http) : InstallSource
    {
        public override string Describe => $"URL {url}";
        public override async Task<byte[]?> TryReadAsync(string p, CancellationToken ct)
        {
            var target = url.TrimEnd('/') + "/" + p.TrimStart('/');
            try
            {
                using var resp = await http.GetAsync(target, ct);
                if (resp.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
                resp.EnsureSuccessStatusCode();
                return await resp.Content.ReadAsByteArrayAsync(ct);
            }
            catch (HttpRequestException e)
            {
                throw new VireoException(ErrorCode.OperationFailed, $"cannot fetch {target}: {e.Message}");
            }
        }
    }
}
