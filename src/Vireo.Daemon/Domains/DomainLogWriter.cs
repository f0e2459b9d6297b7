using Microsoft.Extensions.Logging;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Domains;

/// <summary>Timestamped lines in ROOT/var/log/vireo/qemu/NAME.log, next to what QEMU itself writes there.</summary>
public sealed class DomainLogWriter(VireoPaths paths, ILogger<DomainLogWriter> logger)
{
    public void Write(string domain, string line)
    {
        try
        {
            Directory.CreateDirectory(paths.LogDir);
            File.AppendAllText(paths.Qemu(domain).DomainLog, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff}+0000: {line}\n");
        }
        catch (IOException ex)
        {
            Log.DomainLogFailed(logger, domain, ex.Message);
        }
    }
}
