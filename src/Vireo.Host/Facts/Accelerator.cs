namespace Vireo.Host.Facts;

/// <summary>What this host offers for type='kvm', and why not when it does not.</summary>
public sealed record KvmSupport(bool Usable, string Reason);

public static class Accelerator
{
    /// <summary>
    /// Hardware KVM needs vmx/svm, kvm_intel or kvm_amd, and a usable /dev/kvm. A /dev/kvm that
    /// comes from kvm_pvm (paravirtual nested KVM) runs only PVM-aware guest kernels: a stock
    /// kernel hangs there, so it is reported as not usable rather than left to hang.
    /// </summary>
    public static KvmSupport Probe(string sysRoot = "/")
    {
        string P(string p) => Path.Combine(sysRoot, p.TrimStart('/'));
        if (!File.Exists(P("/dev/kvm")) && !Directory.Exists(P("/sys/module/kvm")))
            return new(false, "/dev/kvm does not exist (the kvm module is not loaded or the CPU has no virtualization extensions)");
        if (Directory.Exists(P("/sys/module/kvm_pvm")) && !Directory.Exists(P("/sys/module/kvm_intel")) && !Directory.Exists(P("/sys/module/kvm_amd")))
            return new(false, "/dev/kvm is provided by kvm_pvm (paravirtual nested KVM), where a stock guest kernel hangs; use type='qemu' (TCG) on this host");
        var cpuinfo = File.Exists(P("/proc/cpuinfo")) ? File.ReadAllText(P("/proc/cpuinfo")) : "";
        var hasFlags = System.Text.RegularExpressions.Regex.IsMatch(cpuinfo, @"\b(vmx|svm)\b");
        if (!hasFlags)
            return new(false, "the CPU does not expose hardware virtualization (no vmx or svm flag in /proc/cpuinfo)");
        if (!Directory.Exists(P("/sys/module/kvm_intel")) && !Directory.Exists(P("/sys/module/kvm_amd")))
            return new(false, "neither kvm_intel nor kvm_amd is loaded");
        try
        {
            using var _ = File.Open(P("/dev/kvm"), FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(false, $"/dev/kvm is not accessible: {e.Message}");
        }
        return new(true, "hardware KVM is usable");
    }
}
