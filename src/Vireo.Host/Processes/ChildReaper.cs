using Vireo.Host.Interop;

namespace Vireo.Host.Processes;

/// <summary>
/// Makes this process the child subreaper, so daemonized QEMUs become our children when
/// their launcher exits, and reaps those orphans. Without it they are re-parented to PID 1,
/// which on some hosts reaps only every second or two, so a dead QEMU would linger as a
/// zombie and look alive. .NET reaps only the children it started, so orphans are ours.
/// </summary>
public static class ChildReaper
{
    private static readonly object Gate = new();

    public static bool BecomeSubreaper() => LibC.prctl(LibC.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;

    /// <summary>Reaps one specific child if it has exited; returns its wait status, or null if not ours or still running.</summary>
    public static unsafe int? TryReap(int pid)
    {
        lock (Gate)
        {
            int status;
            var r = LibC.waitpid(pid, &status, LibC.WNOHANG);
            return r == pid ? status : null;
        }
    }

    /// <summary>Reaps every exited orphan child that .NET did not start itself.</summary>
    public static void ReapOrphans()
    {
        var self = Environment.ProcessId.ToString();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var pid) || ProcessRunner.Pending.ContainsKey(pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // pid (comm) state ppid ...; comm may contain spaces, so split after the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (rest.Length > 1 && rest[0] == "Z" && rest[1] == self)
                TryReap(pid);
        }
    }

    /// <summary>Decodes a wait status: (exited normally, exit code or signal number).</summary>
    public static (bool Exited, int Code) Decode(int status) =>
        (status & 0x7f) == 0 ? (true, (status >> 8) & 0xff) : (false, status & 0x7f);
}
