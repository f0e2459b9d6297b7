using Vireo.Core.Domain;

namespace Vireo.Qemu.Argv;

/// <summary>
/// On q35, PCI Express devices can only be plugged in behind a root port (pcie.0 takes no hotplug, and
/// QEMU counts a device_add before the vCPUs start as one). vireod plugs NICs over QMP, so each such
/// NIC gets a root port of its own on the command line, plus a few spare ones for attach-interface
/// and attach-disk, as libvirt adds for q35 guests.
/// </summary>
public static partial class QemuArgv
{
    public const int SpareHotplugPorts = 4;
    public const string HotplugPortPrefix = "vireo-port";

    /// <summary>NICs vireod plugs over QMP (their host side is made by vireod): network, bridge, direct.</summary>
    public static bool PluggedByVireod(InterfaceDef nic) => nic.Type is "network" or "bridge" or "direct";

    private static void HotplugPorts(DomainDefinition d, ArgvBuilder a)
    {
        if (!IsQ35(d)) return;
        var count = d.Interfaces.Count(PluggedByVireod) + SpareHotplugPorts;
        for (var i = 1; i <= count; i++)
        {
            int slot = 0x10 + (i - 1) / 8, fn = (i - 1) % 8;
            a.Add("-device", $"pcie-root-port,port=0x{0x10 + i - 1:x},chassis={i},id={HotplugPortPrefix}{i},bus=pcie.0," +
                             $"addr=0x{slot:x}.0x{fn:x}{(fn == 0 ? ",multifunction=on" : "")}");
        }
    }

    /// <summary>The root port the i-th (0-based) NIC plugged at start goes behind on q35, or null on other machines.</summary>
    public static string? ColdplugPort(DomainDefinition d, InterfaceDef nic)
    {
        if (!IsQ35(d) || nic.Address is { Type: "pci" }) return null;
        var index = d.Interfaces.Where(PluggedByVireod).ToList().FindIndex(n => n.Element == nic.Element);
        return index < 0 ? null : $"{HotplugPortPrefix}{index + 1}";
    }

    /// <summary>
    /// For domxml-to-native: the NICs vireod plugs over QMP, as the arguments they amount to (the tap or
    /// macvtap descriptors are named as getfd names them). They are not on QEMU's real command line.
    /// </summary>
    public static IReadOnlyList<string> HandedOverNics(DomainDefinition d)
    {
        var args = new List<string>();
        var all = d.Interfaces.ToList();
        foreach (var nic in all.Where(PluggedByVireod))
        {
            var alias = nic.Element.Element("alias")?.Attribute("name")?.Value ?? $"net{all.IndexOf(nic)}";
            var model = nic.Model ?? "virtio";
            var queues = model == "virtio" && int.TryParse(nic.Element.Element("driver")?.Attribute("queues")?.Value, out var q) && q > 1 ? q : 1;
            var fds = queues == 1 ? $"fd=tapfd-{alias}-0" : "fds=" + string.Join(':', Enumerable.Range(0, queues).Select(i => $"tapfd-{alias}-{i}"));
            args.Add("-netdev");
            args.Add($"tap,{fds},id=host{alias}");
            args.Add("-device");
            args.Add(NicDeviceSpec(d, nic, "host" + alias, alias, ColdplugPort(d, nic)) + (queues > 1 ? $",mq=on,vectors={2 * queues + 2}" : ""));
        }
        return args;
    }
}
