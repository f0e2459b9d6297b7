using Vireo.Core.Errors;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Domains.Queries;

/// <summary>The serial console: its socket, and the one session that may hold it at a time.</summary>
public sealed class DomainConsole(DomainRegistry registry, VireoPaths paths)
{
    public string Socket(string key, out string name)
    {
        var e = registry.Lookup(key);
        lock (e)
        {
            name = e.Name;
            if (!e.IsActive) throw DomainOperation.NotRunning(e.Name);
            var hasSerial = e.Current.Serials.Count > 0 || e.Current.Consoles.Count > 0;
            if (!hasSerial) throw new VireoException(ErrorCode.OperationFailed, $"domain '{e.Name}' has no serial console (add <serial type='pty'/>)");
            return paths.Qemu(e.Name).SerialSocket(0);
        }
    }

    /// <summary>
    /// Claims the single console session of a domain; dispose the result to release it. With
    /// <paramref name="force"/> (virsh console --force) a session already open is ended first.
    /// </summary>
    internal async Task<ConsoleClaim> ClaimAsync(string key, bool force)
    {
        var e = registry.Lookup(key);
        while (true)
        {
            ConsoleClaim current;
            lock (e)
            {
                if (e.Console is null) return e.Console = new ConsoleClaim(e);
                current = e.Console;
            }
            if (!force) throw new VireoException(ErrorCode.OperationFailed, $"operation failed: Active console session exists for domain '{e.Name}'");
            current.Evict();
            await current.Released.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
