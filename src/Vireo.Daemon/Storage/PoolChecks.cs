using Vireo.Core.Errors;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>The state and capability checks every pool and volume operation makes first, with libvirt's words.</summary>
internal static class PoolChecks
{
    public static void RequireActive(PoolEntry e)
    {
        if (!e.Active) throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is not active");
    }

    public static void RequireInactive(PoolEntry e, string what)
    {
        if (e.Active)
            throw new VireoException(ErrorCode.OperationInvalid, $"Requested operation is not valid: storage pool '{e.Name}' is already active ({what} needs it stopped)");
    }

    public static void Require(IPoolBackend b, PoolCapabilities cap, PoolEntry e, string what)
    {
        if ((b.Capabilities & cap) == 0)
            throw new VireoException(ErrorCode.NotSupported, $"storage pool type '{e.Definition.Type}' does not support {what} (pool '{e.Name}')");
    }
}
