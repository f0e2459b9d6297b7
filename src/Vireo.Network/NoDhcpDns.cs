using Vireo.Core.Errors;
using Vireo.Core.Network;

namespace Vireo.Network;

/// <summary>The answer of a backend without <see cref="NetworkCapabilities.DhcpDns"/> to the operations that need it.</summary>
internal static class NoDhcpDns
{
    public static VireoException Error(INetworkBackend backend, NetworkDefinition n, string operation) =>
        new(ErrorCode.NotSupported, $"network '{n.Name}' has no DHCP/DNS service run by vireod ({backend.Type} networks have none): cannot {operation}");
}
