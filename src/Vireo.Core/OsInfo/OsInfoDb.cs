using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Vireo.Core.OsInfo;

/// <summary>An install medium of an OS as osinfo-db describes it: how to recognise the ISO and where its kernel is.</summary>
public sealed record OsMedia(string Arch, string? VolumeIdPattern, string? Kernel, string? Initrd);

/// <summary>An install tree (.treeinfo family and version patterns).</summary>
public sealed record OsTree(string Arch, string? Family, string? VersionPattern);

/// <summary>One operating system of osinfo-db, with what it inherits (derives-from, clones) already merged in.</summary>
public sealed record OsInfo(string Id, IReadOnlyList<string> ShortIds, string Name, string? Family, string? Distro,
    long? MinimumRam, long? RecommendedRam, long? RecommendedStorage, int? MinimumCpus,
    IReadOnlySet<string> Devices, IReadOnlyList<OsMedia> Media, IReadOnlyList<OsTree> Trees, DateOnly? Eol)
{
    public string ShortId => ShortIds[0];
    public bool SupportsVirtioBlock => Devices.Contains("http://pcisig.com/pci/1af4/1001") || Devices.Contains("http://pcisig.com/pci/1af4/1042");
    public bool SupportsVirtioNet => Devices.Contains("http://pcisig.com/pci/1af4/1000") || Devices.Contains("http://pcisig.com/pci/1af4/1041");
    public bool SupportsQ35 => Devices.Contains("http://qemu.org/chipset/x86/q35");
    public bool SupportsE1000e => Devices.Contains("http://pcisig.com/pci/8086/10d3");

    /// <summary>The disk bus virt-install picks for this OS: virtio where supported, else SATA (q35) or IDE.</summary>
    public string DiskBus(bool q35) => SupportsVirtioBlock ? "virtio" : q35 ? "sata" : "ide";

    /// <summary>The NIC model virt-install picks: virtio where supported, else e1000e (q35) or e1000.</summary>
    public string NicModel(bool q35) => SupportsVirtioNet ? "virtio" : q35 && SupportsE1000e ? "e1000e" : "e1000";
}

/// <summary>
/// osinfo-db (the data virt-install uses) parsed from its XML files: OSes by short id, close-name
/// suggestions, and detection of install media by ISO volume id or .treeinfo.
/// </summary>
public sealed class OsInfoDb
{
    private readonly Dictionary<string, OsInfo> _byShortId = new(StringComparer.OrdinalIgnoreCase);
    public IReadOnlyList<OsInfo> All { get; }

    private OsInfoDb(List<OsInfo> all)
    {
        All = all;
        foreach (var os in all)
            foreach (var id in os.ShortIds) _byShortId.TryAdd(id, os);
    }

    private sealed record Raw(XElement X, string Id, string? Parent);

    /// <summary>Parses the os/*.xml documents of osinfo-db (their text; reading the files is the caller's job).</summary>
    public static OsInfoDb Parse(IEnumerable<string> documents)
    {
        var raw = new Dictionary<string, Raw>();
        foreach (var doc in documents)
        {
            XDocument x;
            try { x = Xml.SafeXml.Parse(doc, "osinfo-db file"); }
            catch (Errors.VireoException) { continue; }
            foreach (var os in x.Root?.Elements("os") ?? [])
            {
                var id = os.Attribute("id")?.Value;
                if (id is null) continue;
                var parent = os.Element("derives-from")?.Attribute("id")?.Value ?? os.Element("clones")?.Attribute("id")?.Value;
                raw[id] = new Raw(os, id, parent);
            }
        }
        var all = raw.Values.Select(r => Build(r, raw)).Where(o => o.ShortIds.Count > 0).ToList();
        return new OsInfoDb(all);
    }

    /// <summary>An element of the OS or, when it has none, of the OS it derives from.</summary>
    private static IEnumerable<XElement> Inherited(Raw r, Dictionary<string, Raw> raw, Func<XElement, IEnumerable<XElement>> pick)
    {
        for (var (cur, depth) = (r, 0); cur is not null && depth < 20; cur = cur.Parent is { } p && raw.TryGetValue(p, out var pr) ? pr : null, depth++)
        {
            var found = pick(cur.X).ToList();
            if (found.Count > 0) return found;
        }
        return [];
    }

    private static OsInfo Build(Raw r, Dictionary<string, Raw> raw)
    {
        var x = r.X;
        var resources = Inherited(r, raw, e => e.Elements("resources").Where(a => a.Attribute("arch")?.Value is "x86_64" or "all")).ToList();
        long? Res(string kind, string what) =>
            resources.Select(e => e.Element(kind)?.Element(what)?.Value).FirstOrDefault(v => v is not null) is { } v && long.TryParse(v, out var n) ? n : null;
        var devices = new HashSet<string>();
        for (var (cur, depth) = (r, 0); cur is not null && depth < 20; cur = cur.Parent is { } p && raw.TryGetValue(p, out var pr) ? pr : null, depth++)
            foreach (var d in cur.X.Element("devices")?.Elements("device") ?? [])
                if (d.Attribute("id")?.Value is { } did && d.Attribute("supported")?.Value != "false") devices.Add(did);
        var media = x.Elements("media").Select(m => new OsMedia(m.Attribute("arch")?.Value ?? "all", m.Element("iso")?.Element("volume-id")?.Value,
            m.Element("kernel")?.Value, m.Element("initrd")?.Value)).ToList();
        var trees = x.Elements("tree").Select(t => new OsTree(t.Attribute("arch")?.Value ?? "all", t.Element("treeinfo")?.Element("family")?.Value,
            t.Element("treeinfo")?.Element("version")?.Value)).ToList();
        var shortIds = x.Elements("short-id").Select(e => e.Value.Trim()).Where(s => s.Length > 0).ToList();
        var name = x.Elements("name").FirstOrDefault(n => n.Attribute(XNamespace.Xml + "lang") is null)?.Value ?? shortIds.FirstOrDefault() ?? r.Id;
        DateOnly? eol = DateOnly.TryParse(x.Element("eol-date")?.Value, out var e) ? e : null;
        return new OsInfo(r.Id, shortIds, name, x.Element("family")?.Value, x.Element("distro")?.Value,
            Res("minimum", "ram"), Res("recommended", "ram"), Res("recommended", "storage"), (int?)Res("minimum", "n-cpus"),
            devices, media, trees, eol);
    }

    public OsInfo? Find(string shortId) => _byShortId.GetValueOrDefault(shortId);

    /// <summary>Short ids closest to a mistyped one (edit distance, then shared prefix), for "did you mean".</summary>
    public IReadOnlyList<string> Suggest(string wrong, int count = 5) =>
        _byShortId.Keys.Select(k => (k, prefix: k.StartsWith(wrong, StringComparison.OrdinalIgnoreCase), d: Distance(wrong.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(t => t.prefix || t.d <= Math.Max(2, wrong.Length / 3))
            .OrderBy(t => t.prefix ? 0 : 1).ThenBy(t => t.d).ThenBy(t => t.k, StringComparer.Ordinal).Take(count).Select(t => t.k).ToList();

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    /// <summary>The OS whose x86_64 install media have this ISO volume id (osinfo's media detection).</summary>
    public OsInfo? DetectByVolumeId(string volumeId) =>
        All.FirstOrDefault(os => os.Media.Any(m => m.Arch is "x86_64" or "all" && m.VolumeIdPattern is { } p && SafeMatch(volumeId, p)));

    /// <summary>The OS of an install tree from its .treeinfo [general] family and version.</summary>
    public OsInfo? DetectByTree(string family, string version) =>
        All.FirstOrDefault(os => os.Trees.Any(t => t.Arch is "x86_64" or "all" && t.Family is { } f && SafeMatch(family, f)
            && (t.VersionPattern is null || SafeMatch(version, t.VersionPattern))));

    private static bool SafeMatch(string input, string pattern)
    {
        try { return Regex.IsMatch(input, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(50)); }
        catch (ArgumentException) { return false; }
    }
}
