namespace Vireo.Daemon.Domains;

/// <summary>CPU time and last CPU of a process or thread, from /proc.</summary>
internal static class ProcStat
{
    private static readonly double TicksPerSecond = 100.0;

    /// <summary>Fields after "(comm)": index 0 is state; utime=11, stime=12, processor=36.</summary>
    private static string[]? Fields(string statPath)
    {
        try
        {
            var s = File.ReadAllText(statPath);
            return s[(s.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
    }

    public static double? CpuSeconds(int pid) => CpuSecondsOf($"/proc/{pid}/stat");

    public static double? CpuSecondsOf(string statPath) =>
        Fields(statPath) is { } f ? (long.Parse(f[11]) + long.Parse(f[12])) / TicksPerSecond : null;

    public static (int? Cpu, double Seconds, string State) Thread(int pid, int tid)
    {
        var f = Fields($"/proc/{pid}/task/{tid}/stat");
        if (f is null) return (null, 0, "offline");
        var state = f[0] == "R" ? "running" : "idle";
        return (int.Parse(f[36]), (long.Parse(f[11]) + long.Parse(f[12])) / TicksPerSecond, state);
    }

    public static string? Affinity(int pid, int tid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/task/{tid}/status"))
                if (line.StartsWith("Cpus_allowed_list:")) return AffinityMap(line["Cpus_allowed_list:".Length..].Trim());
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>"0-1,3" -> "yy-y" over the host's CPUs, as virsh prints CPU Affinity.</summary>
    public static string AffinityMap(string list)
    {
        var map = new char[Environment.ProcessorCount];
        Array.Fill(map, '-');
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-');
            var lo = int.Parse(range[0]);
            var hi = range.Length > 1 ? int.Parse(range[1]) : lo;
            for (var c = lo; c <= hi && c < map.Length; c++) map[c] = 'y';
        }
        return new string(map);
    }
}
