using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>Devices: add, delete (which only asks the guest) and the PCI buses they sit on.</summary>
public sealed partial class QmpClient
{
    public Task DeviceAddAsync(QmpDevice device, CancellationToken ct = default) => ExecuteAsync("device_add", device.ToArguments(), ct);

    /// <summary>device_del only asks the guest; the device is gone when DEVICE_DELETED arrives (see Hotplug.DeviceUnplug).</summary>
    public Task DeviceDelAsync(string id, CancellationToken ct = default) => ExecuteAsync("device_del", new JsonObject { ["id"] = id }, ct);

    public async Task<IReadOnlyList<QmpPciBus>> QueryPciAsync(CancellationToken ct = default) =>
        (await ExecuteAsync("query-pci", null, ct) as JsonArray ?? [])
        .Select(b => new QmpPciBus((int?)b?["bus"] ?? 0, PciDevices(b?["devices"])))
        .ToList();

    private static List<QmpPciDevice> PciDevices(JsonNode? devices) =>
        (devices as JsonArray ?? []).Select(d => new QmpPciDevice((int?)d?["bus"] ?? 0, (int?)d?["slot"] ?? 0, (int?)d?["function"] ?? 0,
            (string?)d?["qdev_id"] is { Length: > 0 } id ? id : null,
            d?["pci_bridge"] is JsonObject br ? new QmpPciBridge((int?)br["bus"]?["secondary"] ?? 0, PciDevices(br["devices"])) : null))
        .ToList();
}
