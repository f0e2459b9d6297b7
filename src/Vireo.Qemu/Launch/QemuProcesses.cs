using Vireo.Host.Interop;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;

namespace Vireo.Qemu.Launch;

/// <summary>
/// Finds the QEMU of a domain without trusting vireod's own records, which a crash can cut short: QEMU
/// holds a write lock on its pid file for its whole life (qemu_write_pidfile), and its command line names
/// that pid file, which is unique to the domain under vireod's root. This is what keeps a domain from ever
/// running two QEMUs.
/// </summary>
public static class QemuProcesses
{
    /// <summary>
    /// The pid of a live QEMU holding this domain's pid file, or null. Enough where no start can be in
    /// flight (vireod's own starts are serialised); after a crash use <see cref="ScanAll"/>.
    /// </summary>
    public static int? Find(QemuPaths paths) =>
        LibC.IsWriteLocked(paths.PidFile) && ReadPid(paths.PidFile) is { } pid && PidFileArg(pid) == paths.PidFile ? pid : null;

    /// <summary>
    /// Every live process started with a <c>-pidfile</c> under <paramref name="runRoot"/>, by pid file: QEMU
    /// takes its pid file lock only once it has daemonized, so one still initialising is found this way too.
    /// One pass over /proc, for vireod's start-up.
    /// </summary>
    public static IReadOnlyDictionary<string, int> ScanAll(string runRoot)
    {
        var prefix = runRoot.TrimEnd('/') + "/";
        var found = new Dictionary<string, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && PidFileArg(pid) is { } file && file.StartsWith(prefix, StringComparison.Ordinal))
                found[file] = pid;
        return found;
    }

    /// <summary>SIGKILLs a QEMU found by <see cref="Find"/> and waits until it is gone (reaped if it is our child).</summary>
    public static async Task KillAsync(int pid, TimeSpan timeout)
    {
        using var watcher = PidWatcher.Open(pid);
        LibC.kill(pid, LibC.SIGKILL);
        if (watcher is null) return;
        using var cts = new CancellationTokenSource(timeout);
        try { await watcher.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new IOException($"QEMU pid {pid} did not exit within {timeout.TotalSeconds:0} s of SIGKILL"); }
        ChildReaper.TryReap(pid);
    }

    private static int? ReadPid(string pidFile)
    {
        try { return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && pid > 0 ? pid : null; }
        catch (IOException) { return null; }
    }

    /// <summary>The -pidfile argument of a live (non-zombie) process, or null.</summary>
    private static string? PidFileArg(int pid)
    {
        string[] argv;
        try { argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        for (var i = 0; i + 1 < argv.Length; i++)
            if (argv[i] == "-pidfile") return IsZombie(pid) ? null : argv[i + 1];
        return null;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException) { return true; }
    }
}
