using Vireo.Host.Facts;

namespace Vireo.Host.Tests;

/// <summary>nodeinfo/nodememstats/nodecpustats/freecell/sysinfo over a fixture host: two sockets, two NUMA cells, DMI data.</summary>
public sealed class NodeFactsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-node-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private void With(string path, string content)
    {
        var full = Path.Combine(_root, path.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public NodeFactsTests()
    {
        // 2 sockets x 2 cores x 2 threads = 8 CPUs.
        var cpuinfo = string.Concat(Enumerable.Range(0, 8).Select(i =>
            $"processor\t: {i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) Gold 6230\ncpu MHz\t\t: 2100.000\nphysical id\t: {i / 4}\n\n"));
        With("/proc/cpuinfo", cpuinfo);
        for (var i = 0; i < 8; i++)
        {
            With($"/sys/devices/system/cpu/cpu{i}/topology/physical_package_id", $"{i / 4}\n");
            With($"/sys/devices/system/cpu/cpu{i}/topology/core_id", $"{i % 4 / 2}\n");
        }
        With("/proc/meminfo", "MemTotal:       16000000 kB\nMemFree:         9000000 kB\nBuffers:          100000 kB\nCached:          2000000 kB\n");
        With("/sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:       8000000 kB\nNode 0 MemFree:        4000000 kB\n");
        With("/sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:       8000000 kB\nNode 1 MemFree:        5000000 kB\n");
        With("/proc/stat", "cpu  100 5 20 1000 7 1 2 0 0 0\ncpu0 50 5 10 500 3 1 1 0 0 0\n");
        With("/sys/class/dmi/id/sys_vendor", "Dell Inc.\n");
        With("/sys/class/dmi/id/product_name", "PowerEdge R640\n");
        With("/sys/class/dmi/id/bios_version", "2.10.2\n");
    }

    [Fact]
    public void Topology_counts_sockets_cores_threads_and_cells()
    {
        var t = new NodeFacts(_root).Topology();
        Assert.Equal((8, 2100, 2, 2, 2, 2, 16000000L), (t.Cpus, t.Mhz, t.Sockets, t.CoresPerSocket, t.ThreadsPerCore, t.NumaCells, t.MemoryKiB));
    }

    [Fact]
    public void Counters_are_libvirts_sums_in_its_units()
    {
        var f = new NodeFacts(_root);
        Assert.Equal([("user", 1_050_000_000L), ("system", 230_000_000L), ("idle", 10_000_000_000L), ("iowait", 70_000_000L)], f.CpuStats(null));
        Assert.Equal([("total", 16000000L), ("free", 9000000L), ("buffers", 100000L), ("cached", 2000000L)], f.MemStats(null));
        Assert.Equal([("total", 8000000L), ("free", 5000000L)], f.MemStats(1));
        Assert.Equal([(0, 4000000L), (1, 5000000L)], f.FreeCells());
        Assert.Throws<ArgumentException>(() => f.MemStats(7));
        Assert.Throws<ArgumentException>(() => f.CpuStats(9));
    }

    [Fact]
    public void Sysinfo_has_the_dmi_entries_and_one_processor_per_socket()
    {
        var x = new NodeFacts(_root).SysInfo().ToString();
        Assert.Contains("<entry name=\"manufacturer\">Dell Inc.</entry>", x);
        Assert.Contains("<entry name=\"product\">PowerEdge R640</entry>", x);
        Assert.Contains("<bios>", x);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(x, "<processor>").Count);
        Assert.DoesNotContain("<chassis>", x); // nothing known about it: left out, not made up
    }
}
