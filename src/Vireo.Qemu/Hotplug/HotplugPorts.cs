using Vireo.Core.Errors;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Hotplug;

/// <summary>
/// The q35 root ports a hot-plugged PCI Express device goes behind (pcie.0 takes no hotplug): each start
/// provides one per NIC vireod plugs plus <see cref="QemuArgv.SpareHotplugPorts"/> spare ones.
/// </summary>
public static class HotplugPorts
{
    /// <summary>The first of vireod's root ports with nothing behind it, or null.</summary>
    public static string? FirstFree(IReadOnlyList<QmpPciBus> buses) =>
        buses.SelectMany(b => b.Devices)
            .FirstOrDefault(d => d.QdevId?.StartsWith(QemuArgv.HotplugPortPrefix, StringComparison.Ordinal) == true && d.Bridge is not { Devices.Count: > 0 })
            ?.QdevId;

    /// <summary>A free root port, from query-pci; fails naming the domain when every one is taken.</summary>
    public static async Task<string> FreeAsync(QmpClient qmp, string domain, CancellationToken ct = default) =>
        FirstFree(await qmp.QueryPciAsync(ct)) ?? throw new VireoException(ErrorCode.OperationFailed,
            $"no free PCI Express root port left in domain '{domain}' for hot-plugging (each start provides {QemuArgv.SpareHotplugPorts})");

    /// <summary>A PCI device on q35 that does not name its bus needs a root port chosen for it.</summary>
    public static bool NeedsPort(Core.Domain.DomainDefinition live, QmpDevice device, bool isPci) =>
        isPci && QemuArgv.IsQ35(live) && device.Bus is null;
}
