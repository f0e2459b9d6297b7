using Microsoft.Win32.SafeHandles;
using Vireo.Host.Interop;

namespace Vireo.Network.Ports;

/// <summary>The character devices behind guest NICs: tap queues made with TUNSETIFF, and the queues of macvtap links.</summary>
public interface ITapDevices
{
    /// <summary>Creates (or, with <paramref name="multiQueue"/>, adds a queue to) tap <paramref name="name"/>; the handle keeps it alive.</summary>
    SafeFileHandle OpenTap(string name, bool vnetHeader, bool multiQueue);

    /// <summary>Opens one queue of macvtap link <paramref name="link"/>.</summary>
    SafeFileHandle OpenMacvtapQueue(string link, bool vnetHeader);
}

/// <summary>The kernel's: /dev/net/tun, and a private device node for each macvtap queue made under <paramref name="nodeDir"/>.</summary>
public sealed class KernelTapDevices(string nodeDir, string sysClassNet = "/sys/class/net") : ITapDevices
{
    public SafeFileHandle OpenTap(string name, bool vnetHeader, bool multiQueue) => Tun.OpenTap(name, vnetHeader, multiQueue);

    public SafeFileHandle OpenMacvtapQueue(string link, bool vnetHeader) => Macvtap.OpenQueue(link, vnetHeader, nodeDir, sysClassNet);
}
