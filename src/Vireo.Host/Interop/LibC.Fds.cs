using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

public static partial class LibC
{
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public nint Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public nint Name; public uint NameLen; public nint Iov; public nuint IovLen; public nint Control; public nuint ControlLen; public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint sendmsg(int sockfd, ref MsgHdr msg, int flags);

    /// <summary>
    /// Sends <paramref name="data"/> on a unix socket with one file descriptor attached (SCM_RIGHTS),
    /// the way QMP's getfd receives descriptors.
    /// </summary>
    public static unsafe void SendWithFd(nint socket, byte[] data, int fd)
    {
        // cmsghdr: len (size_t), level (int), type (int), then the int payload, padded to 8 bytes.
        var control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        *(nuint*)control = 20;
        *(int*)(control + 8) = SOL_SOCKET;
        *(int*)(control + 12) = SCM_RIGHTS;
        *(int*)(control + 16) = fd;
        fixed (byte* p = data)
        {
            var iov = new IoVec { Base = (nint)p, Len = (nuint)data.Length };
            var msg = new MsgHdr { Iov = (nint)(&iov), IovLen = 1, Control = (nint)control, ControlLen = 24 };
            var sent = sendmsg((int)socket, ref msg, 0);
            if (sent < 0) throw new IOException($"sendmsg with a file descriptor failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            if (sent != data.Length) throw new IOException($"sendmsg sent {sent} of {data.Length} bytes");
        }
    }
}
