using Microsoft.Extensions.Logging;
using Vireo.Daemon.State;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Domains;

/// <summary>
/// Timestamped lines in ROOT/var/log/vireo/qemu/NAME.log, next to what QEMU itself writes there: a file only
/// root (and the log group) may read, opened the way the QEMU driver opens it.
/// </summary>
public sealed class DomainLogWriter(VireoPaths paths, QemuLauncher launcher, ILogger<DomainLogWriter> logger)
{
    public void Write(string domain, string line)
    {
        try
        {
            Directory.CreateDirectory(paths.LogDir);
            launcher.LogFiles.Append(paths.Qemu(domain).DomainLog, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff}+0000: {line}\n");
        }
        catch (IOException ex)
        {
            Log.DomainLogFailed(logger, domain, ex.Message);
        }
    }
}
