using Vireo.Core.Errors;

namespace Vireo.Core.Domain.Edits;

/// <summary>Where a device change applies: the running guest, the persistent definition, or both.</summary>
[Flags]
public enum DeviceScope { Current = 0, Live = 1, Config = 2 }

public static class DeviceScopes
{
    /// <summary>virsh's rules: no flag means live when running, else config; live needs a running domain, config a persistent one.</summary>
    public static (bool Live, bool Config) Resolve(DeviceScope s, string domain, bool running, bool persistent)
    {
        var live = (s & DeviceScope.Live) != 0;
        var config = (s & DeviceScope.Config) != 0;
        if (!live && !config) (live, config) = (running, !running);
        if (live && !running) throw VireoException.Invalid($"Requested operation is not valid: domain '{domain}' is not running");
        if (config && !persistent) throw VireoException.Invalid($"Requested operation is not valid: cannot change persistent config of a transient domain '{domain}'");
        return (live, config);
    }
}
