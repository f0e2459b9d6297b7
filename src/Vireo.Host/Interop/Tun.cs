using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Host.Interop;

/// <summary>
/// Tap devices made by Vireo itself (TUNSETIFF on /dev/net/tun), so QEMU gets a ready file
/// descriptor instead of opening devices on its own. The tap lives as long as a descriptor does.
/// </summary>
public static partial class Tun
{
    private const uint TUNSETIFF = 0x400454ca;
    private const short IFF_TAP = 0x0002;
    private const short IFF_NO_PI = 0x1000;
    private const short IFF_VNET_HDR = 0x4000;
    private const short IFF_MULTI_QUEUE = 0x0100;
    private const int O_RDWR = 2;
    private const int O_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IfReq // struct ifreq: 16-byte name, then the flags in a 24-byte union
    {
        public fixed byte Name[16];
        public short Flags;
        private fixed byte Pad[22];
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, ref IfReq req);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);

    /// <summary>Creates (or attaches to) tap <paramref name="name"/>; the returned handle keeps it alive.</summary>
    /// <param name="multiQueue">Each call with the same name adds one queue (IFF_MULTI_QUEUE).</param>
    public static unsafe SafeFileHandle OpenTap(string name, bool vnetHeader, bool multiQueue = false)
    {
        if (name.Length is 0 or > 15) throw new ArgumentException($"tap name '{name}' must be 1 to 15 characters");
        var fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0) throw new IOException($"cannot open /dev/net/tun: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var req = new IfReq { Flags = (short)(IFF_TAP | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0) | (multiQueue ? IFF_MULTI_QUEUE : 0)) };
        var bytes = System.Text.Encoding.ASCII.GetBytes(name);
        for (var i = 0; i < bytes.Length; i++) req.Name[i] = bytes[i];
        if (ioctl(fd, TUNSETIFF, ref req) != 0)
        {
            var err = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            close(fd);
            throw new IOException($"cannot create tap '{name}' (TUNSETIFF): {err}");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Sets the flags of an open macvtap queue: macvtap's TUNSETIFF ignores the name and takes only
    /// IFF_VNET_HDR and IFF_MULTI_QUEUE besides IFF_TAP|IFF_NO_PI (the virtio header is on by default,
    /// which an emulated e1000 or rtl8139 must not get).
    /// </summary>
    public static unsafe void SetQueueFlags(SafeFileHandle handle, string ifname, bool vnetHeader)
    {
        var req = new IfReq { Flags = (short)(IFF_TAP | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0)) };
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (ioctl((int)handle.DangerousGetHandle(), TUNSETIFF, ref req) != 0)
                throw new IOException($"cannot set the flags of macvtap '{ifname}' (TUNSETIFF): {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally { if (added) handle.DangerousRelease(); }
    }
}
