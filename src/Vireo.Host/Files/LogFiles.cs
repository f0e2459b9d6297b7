using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using Vireo.Host.Interop;

namespace Vireo.Host.Files;

/// <summary>
/// Opens log files so they are private from their first byte: 0600, or 0640 and owned by the log group when
/// one is configured. The mode is given to open(2) and set again with fchmod, so no umask widens or narrows
/// it and there is no moment when the file is readable by others; an existing log (an older 0644 one) gets
/// the mode and group the next time it is opened. Symlinks and anything but a regular file are refused, and
/// the open never blocks (a FIFO put where a log belongs fails at once instead of hanging the writer).
/// </summary>
public sealed class LogFiles
{
    private const uint OwnerReadWrite = 0b110_000_000; // 0600
    private const uint GroupRead = 0b000_100_000;      // 0040
    private readonly int _gid;
    private readonly ILogger _logger;

    /// <summary>Logs readable by root only (0600).</summary>
    public static LogFiles Private { get; } = new(null);

    /// <param name="group">The group that may read the logs (0640), or null for 0600. Throws naming it if it does not exist.</param>
    /// <param name="logger">where a log found readable by more than it should be is reported when its mode is narrowed</param>
    public LogFiles(string? group, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        Group = string.IsNullOrEmpty(group) ? null : group;
        _gid = Group is null ? -1
            : Groups.IdOf(Group) ?? throw new ArgumentException($"log group '{Group}' does not exist (vireod.conf log_group)");
    }

    /// <summary>The group that may read the logs, or null.</summary>
    public string? Group { get; }

    /// <summary>0600, or 0640 with a log group.</summary>
    public UnixFileMode Mode => (UnixFileMode)PermissionBits;

    private uint PermissionBits => _gid < 0 ? OwnerReadWrite : OwnerReadWrite | GroupRead;

    /// <summary>Opens <paramref name="path"/> for appending, creating it with the log mode or correcting an existing file's mode and group.</summary>
    public SafeFileHandle OpenAppend(string path)
    {
        var flags = FileSyscalls.O_WRONLY | FileSyscalls.O_APPEND | FileSyscalls.O_CREAT | FileSyscalls.O_CLOEXEC
                    | FileSyscalls.O_NONBLOCK | FileSyscalls.O_NOFOLLOW;
        var fd = FileSyscalls.open(path, flags, PermissionBits);
        if (fd < 0) throw new IOException($"cannot open log file '{path}': {FileSyscalls.LastError}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (!FileSyscalls.TryFstat(fd, out var st)) throw new IOException($"cannot stat log file '{path}': {FileSyscalls.LastError}");
            if (!st.IsRegular) throw new IOException($"log file '{path}' is not a regular file");
            if (_gid >= 0 && st.Gid != _gid && FileSyscalls.fchown(fd, -1, _gid) != 0)
                throw new IOException($"cannot give log file '{path}' to group '{Group}': {FileSyscalls.LastError}");
            if (st.Permissions != PermissionBits && FileSyscalls.fchmod(fd, PermissionBits) != 0)
                throw new IOException($"cannot set the mode of log file '{path}': {FileSyscalls.LastError}");
            // A new file never has more than the mode asked for (a umask only takes bits away): this one was old.
            if ((st.Permissions & ~PermissionBits) != 0)
                Log.LogModeNarrowed(_logger, path, Octal(st.Permissions), Octal(PermissionBits), Group is null ? "" : $" with log group {Group}");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static string Octal(uint mode) => "0" + Convert.ToString(mode, 8);

    /// <summary>Creates the log, or fixes its mode and group, for a file another process appends to (QEMU's stderr, the console log).</summary>
    public void Ensure(string path) => OpenAppend(path).Dispose();

    /// <summary>Appends <paramref name="text"/> in one write(2), so lines of concurrent writers do not interleave.</summary>
    public unsafe void Append(string path, string text)
    {
        using var handle = OpenAppend(path);
        var bytes = Encoding.UTF8.GetBytes(text);
        var fd = (int)handle.DangerousGetHandle();
        fixed (byte* p = bytes)
        {
            for (var done = 0; done < bytes.Length;)
            {
                var n = FileSyscalls.write(fd, p + done, (nuint)(bytes.Length - done));
                if (n < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == LibC.EINTR) continue;
                if (n <= 0) throw new IOException($"cannot write to log file '{path}': {FileSyscalls.LastError}");
                done += (int)n;
            }
        }
    }
}
