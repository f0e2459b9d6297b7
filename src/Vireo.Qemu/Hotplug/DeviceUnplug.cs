using Vireo.Core.Errors;
using Vireo.Qemu.Launch;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Hotplug;

/// <summary>
/// device_del and the wait for QEMU's DEVICE_DELETED: the guest has to let go of the device first (an ACPI
/// eject for PCI), so the request alone removes nothing. The one place vireod waits for that event.
/// </summary>
public static class DeviceUnplug
{
    /// <param name="what">The device as the user knows it ("disk 'vdb'"), for the error.</param>
    /// <param name="timeout">How long the guest has to release it.</param>
    public static async Task RunAsync(QemuInstance qemu, string deviceId, string what, TimeSpan timeout, CancellationToken ct = default)
    {
        var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEvent(QmpEvent ev)
        {
            if (ev.Name == "DEVICE_DELETED" && (string?)ev.Data?["device"] == deviceId) deleted.TrySetResult();
        }
        // Listening before the request: a guest may answer before device_del's own reply arrives.
        qemu.EventReceived += OnEvent;
        try
        {
            await qemu.Qmp.DeviceDelAsync(deviceId, ct);
            Task first;
            try { first = await Task.WhenAny(deleted.Task, qemu.Exited).WaitAsync(timeout, ct); }
            catch (TimeoutException)
            {
                var seconds = timeout.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
                throw new VireoException(ErrorCode.OperationTimeout,
                    $"the guest did not release {what} within {seconds} s (does it handle ACPI hot-unplug? <features><acpi/> is needed)");
            }
            if (first != deleted.Task)
                throw new VireoException(ErrorCode.OperationFailed, $"QEMU (pid {qemu.Pid}) exited while {what} was being unplugged");
        }
        finally { qemu.EventReceived -= OnEvent; }
    }
}
