using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

/// <summary>pidfd_open and pidfd_send_signal: signals that reach the process the descriptor was opened on, never a later process given the same pid.</summary>
public static partial class Pidfd
{
    public const int SIGCONT = 18;
    private const long SYS_pidfd_send_signal = 424;
    private const long SYS_pidfd_open = 434;
    private const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall2(long number, int arg1, uint arg2);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall4(long number, int arg1, int arg2, nint arg3, uint arg4);

    /// <summary>A pidfd for <paramref name="pid"/>, or -1 (errno set) if there is no such process.</summary>
    public static int Open(int pid) => (int)syscall2(SYS_pidfd_open, pid, 0);

    /// <summary>Sends <paramref name="signal"/>; false if the process has already exited (ESRCH).</summary>
    public static bool SendSignal(int pidfd, int signal)
    {
        if (syscall4(SYS_pidfd_send_signal, pidfd, signal, 0, 0) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ESRCH) return false;
        throw new IOException($"cannot send signal {signal} through pidfd: {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
