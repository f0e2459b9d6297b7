namespace Vireo.Host.Pci;

/// <summary>
/// A host PCI device cannot be handed to a guest (no IOMMU, a group that is not viable, a device that did
/// not bind to vfio-pci); the message names the device and the reason. vireod answers it as OperationFailed.
/// </summary>
public sealed class PciAssignmentException(string message) : Exception(message);
