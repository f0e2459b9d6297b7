using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

/// <summary>Raw Linux syscalls, with their C names. Callers check return values and errno.</summary>
public static partial class LibC
{
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int WNOHANG = 1;
    public const short POLLIN = 0x001;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int ESRCH = 3;
    public const int ECHILD = 10;
    public const int EINTR = 4;
    private const long SYS_pidfd_open = 434;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd // struct pollfd
    {
        public int fd;
        public short events;
        public short revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int arg1, uint arg2);

    public static int pidfd_open(int pid) => (int)syscall(SYS_pidfd_open, pid, 0);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int poll(PollFd* fds, ulong nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc")]
    public static partial int getpid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int isatty(int fd);

    /// <summary>Big enough for glibc's struct termios (60 bytes on x86_64 and arm64).</summary>
    public const int TermiosSize = 128;
    public const int TCSANOW = 0;

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int tcgetattr(int fd, byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc")]
    public static unsafe partial void cfmakeraw(byte* termios);
}
