namespace Vireo.Tests.Shared;

/// <summary>
/// A limit of the host that stops a test from running here, with its id from docs/testing.md's table. A skip
/// for one of these reads "WHY [host-limit:ID]"; under CI (CI=true) test.sh fails the run for any other skip,
/// such as a package that test.sh should have installed.
/// </summary>
public sealed class HostLimit
{
    public static readonly HostLimit NotRoot = new("not-root");
    public static readonly HostLimit KvmUsable = new("kvm-usable");
    public static readonly HostLimit NoPciDevices = new("no-pci-devices");
    public static readonly HostLimit IommuPresent = new("iommu-present");
    public static readonly HostLimit KernelHasDeviceMapper = new("kernel-has-device-mapper");
    public static readonly HostLimit KernelHasZfs = new("kernel-has-zfs");
    public static readonly HostLimit KernelHasIscsiTcp = new("kernel-has-iscsi-tcp");
    public static readonly HostLimit KernelMountsNfs = new("kernel-mounts-nfs");
    public static readonly HostLimit KernelMountsCifs = new("kernel-mounts-cifs");
    public static readonly HostLimit NoLoopDevice = new("no-loop-device");
    public static readonly HostLimit NoDevMem = new("no-dev-mem");
    public static readonly HostLimit HostnameNotLoopback = new("hostname-not-loopback");

    private HostLimit(string id) => Id = id;

    public string Id { get; }

    /// <summary>Every limit declared here (each must be in docs/testing.md).</summary>
    public static IReadOnlyList<HostLimit> All { get; } = typeof(HostLimit).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(HostLimit)).Select(f => (HostLimit)f.GetValue(null)!).ToList();

    /// <summary>"<paramref name="why"/> [host-limit:ID]": the skip reason test.sh accepts under CI.</summary>
    public string Reason(string why) => $"{why} [host-limit:{Id}]";

    public void SkipIf(bool condition, string why) => Skip.If(condition, Reason(why));

    public void SkipUnless(bool condition, string why) => Skip.IfNot(condition, Reason(why));

    public override string ToString() => Id;
}
