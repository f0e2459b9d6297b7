namespace Vireo.Qemu.Qmp;

/// <summary>One PCI bus of query-pci and the devices on it.</summary>
public sealed record QmpPciBus(int Bus, IReadOnlyList<QmpPciDevice> Devices);

/// <summary>
/// One device of query-pci (qapi/pci.json PciDeviceInfo): where it sits, its qdev id when it has one, and, for a
/// bridge or root port, what is behind it.
/// </summary>
public sealed record QmpPciDevice(int Bus, int Slot, int Function, string? QdevId, QmpPciBridge? Bridge);

/// <summary>The secondary bus of a bridge or root port.</summary>
public sealed record QmpPciBridge(int Bus, IReadOnlyList<QmpPciDevice> Devices);
