using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Vireo.Host.Facts;

public sealed record NodeTopology(string Arch, int Cpus, int Mhz, int Sockets, int CoresPerSocket, int ThreadsPerCore, int NumaCells, long MemoryKiB);

/// <summary>
/// What virsh's node commands show, read from /proc and /sys under a root (tests use fixture trees):
/// CPU topology, memory and CPU counters, free memory per NUMA cell, SMBIOS data.
/// </summary>
public sealed partial class NodeFacts(string root = "/")
{
    private string P(string path) => Path.Combine(root, path.TrimStart('/'));
    private string Read(string path) => File.Exists(P(path)) ? File.ReadAllText(P(path)) : "";

    [GeneratedRegex(@"^(\w[\w ]*?)[ \t]*:[ \t]*(.*)$", RegexOptions.Multiline)]
    private static partial Regex CpuinfoField();

    private List<Dictionary<string, string>> Processors() =>
        Read("/proc/cpuinfo").Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => CpuinfoField().Matches(block).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.First().Groups[2].Value.Trim()))
            .Where(d => d.ContainsKey("processor")).ToList();

    /// <summary>The CPU flags of /proc/cpuinfo (vmx, svm, sev, ...).</summary>
    public ISet<string> CpuFlags() =>
        Processors().FirstOrDefault()?.GetValueOrDefault("flags")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? new HashSet<string>();

    /// <summary>"Intel", "AMD", or null, from the vendor_id of /proc/cpuinfo.</summary>
    public string? CpuVendor() => Processors().FirstOrDefault()?.GetValueOrDefault("vendor_id") switch
    {
        "GenuineIntel" => "Intel",
        "AuthenticAMD" => "AMD",
        _ => null,
    };

    public NodeTopology Topology()
    {
        var procs = Processors();
        var cpus = Math.Max(1, procs.Count);
        var mhz = procs.Select(p => p.TryGetValue("cpu MHz", out var v) && double.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var m) ? (int)m : 0).FirstOrDefault();
        var topo = Enumerable.Range(0, cpus).Select(i => (
            Package: Read($"/sys/devices/system/cpu/cpu{i}/topology/physical_package_id").Trim(),
            Core: Read($"/sys/devices/system/cpu/cpu{i}/topology/core_id").Trim())).ToList();
        var sockets = Math.Max(1, topo.Select(t => t.Package).Distinct().Count());
        var cores = Math.Max(1, topo.Select(t => (t.Package, t.Core)).Distinct().Count() / sockets);
        var threads = Math.Max(1, cpus / (sockets * cores));
        var cells = Directory.Exists(P("/sys/devices/system/node")) ? Math.Max(1, Directory.GetDirectories(P("/sys/devices/system/node"), "node*").Length) : 1;
        return new NodeTopology(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "x86_64",
            System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
            var a => a.ToString().ToLowerInvariant(),
        }, cpus, mhz, sockets, cores, threads, cells, MemInfo("/proc/meminfo").GetValueOrDefault("MemTotal"));
    }

    /// <summary>/proc/meminfo (or a NUMA node's meminfo, whose lines start "Node N"): field -> KiB.</summary>
    public Dictionary<string, long> MemInfo(string path) =>
        Read(path).Split('\n').Select(l => Regex.Match(l, @"^(?:Node \d+ )?([\w()]+):\s+(\d+)")).Where(m => m.Success)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => long.Parse(g.First().Groups[2].Value));

    public IReadOnlyList<int> Cells() =>
        Directory.Exists(P("/sys/devices/system/node"))
            ? Directory.GetDirectories(P("/sys/devices/system/node"), "node*").Select(d => int.TryParse(Path.GetFileName(d)[4..], out var n) ? n : -1).Where(n => n >= 0).Order().ToList()
            : [0];

    /// <summary>nodememstats: total, free, buffers, cached (KiB), of the host or of one NUMA cell.</summary>
    public IReadOnlyList<(string Name, long KiB)> MemStats(int? cell)
    {
        if (cell is { } c)
        {
            if (!Cells().Contains(c)) throw new ArgumentException($"invalid argument: cell number {c} is out of range (cells: {string.Join(", ", Cells())})");
            var node = MemInfo($"/sys/devices/system/node/node{c}/meminfo");
            if (node.Count == 0 && c == 0) node = MemInfo("/proc/meminfo");
            return [("total", node.GetValueOrDefault("MemTotal")), ("free", node.GetValueOrDefault("MemFree"))];
        }
        var m = MemInfo("/proc/meminfo");
        return [("total", m.GetValueOrDefault("MemTotal")), ("free", m.GetValueOrDefault("MemFree")), ("buffers", m.GetValueOrDefault("Buffers")), ("cached", m.GetValueOrDefault("Cached"))];
    }

    /// <summary>nodecpustats: cumulative user, system, idle, iowait in nanoseconds (libvirt's sums of /proc/stat fields).</summary>
    public IReadOnlyList<(string Name, long Ns)> CpuStats(int? cpu)
    {
        var key = cpu is { } n ? $"cpu{n}" : "cpu";
        var line = Read("/proc/stat").Split('\n').FirstOrDefault(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() == key)
            ?? throw new ArgumentException($"invalid argument: Invalid cpuNum {cpu} in nodeGetCPUStats");
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        long T(int i) => i < f.Length ? f[i] * (1_000_000_000L / 100) : 0; // USER_HZ is 100 on Linux
        return [("user", T(0) + T(1)), ("system", T(2) + T(5) + T(6)), ("idle", T(3)), ("iowait", T(4))];
    }

    /// <summary>Free memory per NUMA cell (freecell), KiB.</summary>
    public IReadOnlyList<(int Cell, long FreeKiB)> FreeCells() =>
        Cells().Select(c =>
        {
            var node = MemInfo($"/sys/devices/system/node/node{c}/meminfo");
            return (c, node.Count > 0 ? node.GetValueOrDefault("MemFree") : MemInfo("/proc/meminfo").GetValueOrDefault("MemFree"));
        }).ToList();

    /// <summary>sysinfo: SMBIOS data as libvirt's &lt;sysinfo type='smbios'&gt;, from /sys/class/dmi/id and /proc/cpuinfo.</summary>
    public XElement SysInfo()
    {
        XElement Section(string name, params (string Entry, string File)[] entries)
        {
            var e = new XElement(name);
            foreach (var (entry, file) in entries)
                if (Read($"/sys/class/dmi/id/{file}").Trim() is { Length: > 0 } v) e.Add(new XElement("entry", new XAttribute("name", entry), v));
            return e;
        }
        var x = new XElement("sysinfo", new XAttribute("type", "smbios"));
        foreach (var s in new[]
                 {
                     Section("bios", ("vendor", "bios_vendor"), ("version", "bios_version"), ("date", "bios_date"), ("release", "bios_release")),
                     Section("system", ("manufacturer", "sys_vendor"), ("product", "product_name"), ("version", "product_version"),
                         ("serial", "product_serial"), ("uuid", "product_uuid"), ("sku", "product_sku"), ("family", "product_family")),
                     Section("baseBoard", ("manufacturer", "board_vendor"), ("product", "board_name"), ("version", "board_version"),
                         ("serial", "board_serial"), ("asset", "board_asset_tag")),
                     Section("chassis", ("manufacturer", "chassis_vendor"), ("version", "chassis_version"), ("serial", "chassis_serial"),
                         ("asset", "chassis_asset_tag")),
                 })
            if (s.HasElements) x.Add(s);
        foreach (var socket in Processors().GroupBy(p => p.GetValueOrDefault("physical id") ?? "0"))
        {
            var p = socket.First();
            var e = new XElement("processor");
            void Add(string name, string? v) { if (!string.IsNullOrEmpty(v)) e.Add(new XElement("entry", new XAttribute("name", name), v)); }
            Add("socket_destination", $"CPU {socket.Key}");
            Add("family", p.GetValueOrDefault("cpu family"));
            Add("manufacturer", p.GetValueOrDefault("vendor_id"));
            Add("version", p.GetValueOrDefault("model name"));
            Add("external_clock", null);
            Add("max_speed", p.TryGetValue("cpu MHz", out var mhz) ? $"{(int)double.Parse(mhz, System.Globalization.CultureInfo.InvariantCulture)} MHz" : null);
            x.Add(e);
        }
        return x;
    }
}
