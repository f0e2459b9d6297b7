using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

public static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint UmaskNative(uint mask);

    /// <summary>
    /// Adds <paramref name="bits"/> to the process umask (never removes any): files and directories
    /// created afterwards lack at least those permissions, whatever umask the process was started with.
    /// </summary>
    public static void RestrictUmask(UnixFileMode bits)
    {
        var old = UmaskNative(0);
        UmaskNative(old | (uint)bits);
    }
}
