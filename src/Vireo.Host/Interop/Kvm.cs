using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

/// <summary>Questions to /dev/kvm (KVM_CHECK_EXTENSION).</summary>
public static partial class Kvm
{
    private const nuint KVM_CHECK_EXTENSION = 0xAE03;
    private const int KVM_CAP_NR_VCPUS = 9, KVM_CAP_MAX_VCPUS = 66;

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, nint arg);

    /// <summary>The most vCPUs a KVM guest may have (KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4 as the API says), or null without /dev/kvm.</summary>
    public static int? MaxVcpus(string device = "/dev/kvm")
    {
        SafeHandle handle;
        try { handle = File.OpenHandle(device, FileMode.Open, FileAccess.ReadWrite); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        using (handle)
        {
            var fd = (int)handle.DangerousGetHandle();
            var max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
            if (max > 0) return max;
            var nr = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
            return nr > 0 ? nr : 4;
        }
    }
}
