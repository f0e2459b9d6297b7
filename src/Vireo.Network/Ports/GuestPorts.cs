using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Core.Operations;
using Vireo.Host.Processes;

namespace Vireo.Network.Ports;

/// <summary>
/// The host-side steps of a guest NIC, one tool call each, for <see cref="NicPlumbing"/>: a tap joins a
/// Linux bridge (ip) or an Open vSwitch bridge (ovs-vsctl, with the external-ids OVS controllers look
/// for); a macvtap link is made on a host interface in one of the four macvlan modes; bandwidth
/// becomes tc rules; a VF gets the guest's MAC. Every value is checked against its tool's grammar
/// before anything runs. <see cref="ReleaseMacvtapAsync"/> / <see cref="RemoveOvsPortAsync"/> undo
/// what outlives QEMU when the guest goes.
/// </summary>
public sealed partial class GuestPorts(IProcessRunner runner, string stateDir, string sysClassNet = "/sys/class/net", ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>libvirt's mode names -> the kernel's (ip link ... type macvtap mode X).</summary>
    public static string KernelMode(string mode) => mode switch
    {
        "vepa" or "bridge" or "private" => mode,
        "passthrough" => "passthru",
        _ => throw new VireoException(ErrorCode.XmlValidation, $"unknown macvtap mode '{mode}' (known: {string.Join(", ", Core.Domain.DomainValidator.MacvtapModes)})"),
    };

    /// <summary>Puts tap <paramref name="tap"/> on a Linux bridge and brings it up.</summary>
    public async Task JoinLinuxBridgeAsync(string tap, string bridge, CancellationToken ct = default)
    {
        Interface(tap, "tap");
        Interface(bridge, "bridge");
        await runner.RunAsync(["ip", "link", "set", "dev", tap, "master", bridge], ct: ct);
        await runner.RunAsync(["ip", "link", "set", "dev", tap, "up"], ct: ct);
    }

    /// <summary>
    /// Adds tap <paramref name="tap"/> to OVS bridge <paramref name="bridge"/> as libvirt does: any stale
    /// port of that name goes first, and the port carries the guest's MAC, interface id and VM uuid.
    /// </summary>
    public async Task JoinOvsBridgeAsync(string tap, string bridge, string mac, string interfaceId, Guid vmUuid, CancellationToken ct = default)
    {
        Interface(tap, "tap");
        Interface(bridge, "bridge");
        // external-ids values are OVSDB strings: only a MAC and UUIDs, which need no quoting, are written there.
        if (!Core.Network.NetworkValidator.IsValidMac(mac)) throw Refuse($"MAC address '{Text.Printable(mac)}' is not valid");
        if (!Guid.TryParse(interfaceId, out var ifaceId)) throw Refuse($"interfaceid '{Text.Printable(interfaceId)}' is not a UUID");
        interfaceId = ifaceId.ToString();
        await runner.RunAsync(["ovs-vsctl", "--timeout=5", "--", "--if-exists", "del-port", tap, "--", "add-port", bridge, tap,
            "--", "set", "Interface", tap, $"external-ids:attached-mac=\"{mac}\"", $"external-ids:iface-id=\"{interfaceId}\"",
            $"external-ids:vm-id=\"{vmUuid}\"", "external-ids:iface-status=active"], ct: ct);
        await using var undo = new Rollback(failure => Log.NicUndoFailed(_logger, tap, failure));
        undo.Add($"Open vSwitch port {tap}", () => RemoveOvsPortAsync(tap));
        await runner.RunAsync(["ip", "link", "set", "dev", tap, "up"], ct: ct);
        undo.Commit();
    }

    /// <summary>An OVS port stays in the database after its tap is gone: it is removed when the guest's NIC goes.</summary>
    public Task RemoveOvsPortAsync(string tap) =>
        runner.RunAsync(["ovs-vsctl", "--timeout=5", "--", "--if-exists", "del-port", tap], check: false);

    private string SavedMacPath(string lower) => Path.Combine(stateDir, Interface(lower, "host interface") + ".mac");

    /// <summary>Interface names become ip/ovs-vsctl arguments and, for a passthrough device, a file name: only valid ones pass.</summary>
    private static string Interface(string name, string what) =>
        InterfaceName.Problem(name) is { } p ? throw Refuse($"{what} name '{Text.Printable(name)}' {p}") : name;

    private static VireoException Refuse(string why) => new(ErrorCode.ConfigUnsupported, $"unsupported configuration: {why}");

    /// <summary>
    /// Makes macvtap link <paramref name="name"/> on <paramref name="lower"/> with the guest's MAC and brings it
    /// up. In passthrough mode the kernel gives the lower device that MAC: its own is saved first and put back
    /// by <see cref="ReleaseMacvtapAsync"/>.
    /// </summary>
    public async Task CreateMacvtapAsync(string name, string lower, string mode, string mac, CancellationToken ct = default)
    {
        Interface(name, "macvtap");
        Interface(lower, "host interface");
        if (!Core.Network.NetworkValidator.IsValidMac(mac)) throw Refuse($"MAC address '{Text.Printable(mac)}' is not valid");
        var kernelMode = KernelMode(mode);
        if (!Directory.Exists(Path.Combine(sysClassNet, lower)))
            throw new VireoException(ErrorCode.OperationFailed, $"cannot create macvtap on '{lower}': no such host interface");
        await using var undo = new Rollback(failure => Log.NicUndoFailed(_logger, name, failure));
        if (mode == "passthrough" && !File.Exists(SavedMacPath(lower)))
        {
            Directory.CreateDirectory(stateDir);
            Host.Files.AtomicFile.WriteAllText(SavedMacPath(lower), File.ReadAllText(Path.Combine(sysClassNet, lower, "address")).Trim() + "\n");
            undo.Add($"MAC of {lower}", () => RestoreLowerMacAsync(lower));
        }
        try
        {
            await runner.RunAsync(["ip", "link", "add", "link", lower, "name", name, "address", mac, "type", "macvtap", "mode", kernelMode], ct: ct);
            undo.Add($"macvtap {name}", () => runner.RunAsync(["ip", "link", "del", name], check: false));
            await runner.RunAsync(["ip", "link", "set", "dev", name, "up"], ct: ct);
        }
        catch (ProcessFailedException ex)
        {
            throw new VireoException(ErrorCode.OperationFailed, $"cannot create macvtap '{name}' on '{lower}' in {mode} mode: {ex.Message}");
        }
        undo.Commit();
    }

    /// <summary>Deletes a guest's macvtap link (QEMU closing its queues does not) and restores a passthrough device's MAC.</summary>
    public async Task ReleaseMacvtapAsync(string name, string lower, string mode)
    {
        Interface(name, "macvtap");
        Interface(lower, "host interface");
        await runner.RunAsync(["ip", "link", "del", name], check: false);
        if (mode == "passthrough") await RestoreLowerMacAsync(lower);
    }

    private async Task RestoreLowerMacAsync(string lower)
    {
        var saved = SavedMacPath(lower);
        if (!File.Exists(saved)) return;
        var mac = File.ReadAllText(saved).Trim();
        var r = await runner.RunAsync(["ip", "link", "set", "dev", lower, "address", mac], check: false);
        if (r.ExitCode == 0) Log.LowerMacRestored(_logger, lower, mac);
        else Log.NicUndoFailed(_logger, lower, $"its own MAC {mac} could not be put back: {r.Stderr.Trim()}");
        File.Delete(saved);
    }
}
