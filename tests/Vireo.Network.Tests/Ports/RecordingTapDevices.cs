using Microsoft.Win32.SafeHandles;
using Vireo.Network.Ports;

namespace Vireo.Network.Tests.Ports;

/// <summary>Tap and macvtap queues as /dev/null handles: records each open, can fail the Nth, and shows which handles were closed.</summary>
public sealed class RecordingTapDevices(int failAt = -1) : ITapDevices
{
    public List<string> Opens { get; } = [];
    public List<SafeFileHandle> Handles { get; } = [];

    public SafeFileHandle OpenTap(string name, bool vnetHeader, bool multiQueue) =>
        Open($"tap {name}{(vnetHeader ? " vnet_hdr" : "")}{(multiQueue ? " multi_queue" : "")}");

    public SafeFileHandle OpenMacvtapQueue(string link, bool vnetHeader) => Open($"macvtap queue {link}{(vnetHeader ? " vnet_hdr" : "")}");

    private SafeFileHandle Open(string what)
    {
        if (Opens.Count == failAt) throw new IOException($"cannot open {what}: Device or resource busy");
        Opens.Add(what);
        var h = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        Handles.Add(h);
        return h;
    }
}
