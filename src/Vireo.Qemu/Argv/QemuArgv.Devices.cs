using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Qemu.Argv;

public static partial class QemuArgv
{
    /// <summary>Device elements the driver does not turn into QEMU arguments yet. Starting with one is refused, never silently dropped.</summary>
    private static readonly string[] UnsupportedDevices =
        ["hostdev", "filesystem", "sound", "tpm", "smartcard", "redirdev", "hub", "shmem", "iommu", "vsock", "memory", "parallel", "lease", "crypto", "audio"];

    /// <summary>Top-level elements kept in the definition that the driver does not apply yet.</summary>
    private static readonly string[] NotAppliedElements =
        ["cputune", "numatune", "memoryBacking", "iothreads", "iothreadids", "blkiotune", "memtune", "seclabel", "sysinfo",
         "launchSecurity", "resource", "keywrap", "perf", "idmap", "throttlegroups", "pm", "genid", "vcpus"];

    /// <summary>What a start will not apply (it is logged as a warning, never dropped from the definition).</summary>
    public static IReadOnlyList<string> NotApplied(DomainDefinition d) =>
        d.Xml.Elements().Where(e => NotAppliedElements.Contains(e.Name.LocalName)).Select(SafeXml.Where).ToList();

    private static List<string> UnsupportedElements(DomainDefinition d) =>
        d.Xml.Element("devices")?.Elements()
            .Where(e => UnsupportedDevices.Contains(e.Name.LocalName) && !(e.Name.LocalName == "audio" && e.Attribute("type")?.Value == "none")
                && !(e.Name.LocalName == "hostdev" && e.Attribute("type")?.Value == "pci" && (e.Attribute("mode")?.Value ?? "subsystem") == "subsystem"))
            .Select(SafeXml.Where).ToList() ?? [];

    private static void Controllers(DomainDefinition d, ArgvBuilder a)
    {
        var usbNeeded = d.Inputs.Any(i => i.Element.Attribute("bus")?.Value == "usb") || d.Disks.Any(x => x.TargetBus == "usb");
        var usbDeclared = false;
        foreach (var c in d.Controllers)
        {
            var addr = PciAddress(d, c.Address);
            switch (c.Type)
            {
                case "usb":
                    usbDeclared = true;
                    if (c.Model == "none") break;
                    a.Add("-device", $"{UsbModel(d, c.Model)},id={(c.Index == 0 ? "usb" : $"usb{c.Index}")}{addr}");
                    break;
                case "scsi" when c.Model is null or "virtio-scsi":
                    a.Add("-device", $"virtio-scsi-pci,id=scsi{c.Index}{addr}");
                    break;
                case "scsi" when c.Model is "lsilogic":
                    a.Add("-device", $"lsi,id=scsi{c.Index}{addr}");
                    break;
                case "sata" when !(IsQ35(d) && c.Index == 0):
                    a.Add("-device", $"ahci,id=sata{c.Index}{addr}");
                    break;
                case "virtio-serial":
                    a.Add("-device", $"virtio-serial-pci,id=virtio-serial{c.Index}{addr}");
                    break;
                case "pci" when c.Model is "pcie-root-port":
                    var target = c.Element.Element("target");
                    var chassis = target?.Attribute("chassis")?.Value is { } ch ? HexNumber(ch, "pcie-root-port chassis") : c.Index.ToString();
                    var port = target?.Attribute("port")?.Value is { } pt ? HexNumber(pt, "pcie-root-port port") : $"0x{0x10 + c.Index - 1:x}";
                    a.Add("-device", $"pcie-root-port,port={port},chassis={chassis},id=pci.{c.Index}{addr}");
                    break;
                case "pci" when c.Model is "pci-bridge":
                    a.Add("-device", $"pci-bridge,chassis_nr={c.Index},id=pci.{c.Index}{addr}");
                    break;
            }
        }
        if (usbNeeded && !usbDeclared)
            a.Add("-device", $"{UsbModel(d, null)},id=usb");
        var needsSerialBus = d.Channels.Any(c => c.TargetType == "virtio") || d.Consoles.Any(c => c.TargetType == "virtio");
        if (needsSerialBus && !d.Controllers.Any(c => c.Type == "virtio-serial"))
            a.Add("-device", "virtio-serial-pci,id=virtio-serial0");
        var scsiNeeded = d.Disks.Where(x => (x.TargetBus ?? DiskBus.Guess(x.TargetDev!)) == "scsi")
            .Select(x => DriveAddressParts(x, "scsi").Controller).Distinct();
        foreach (var idx in scsiNeeded.Where(i => !d.Controllers.Any(c => c.Type == "scsi" && c.Index == i)))
            a.Add("-device", $"lsi,id=scsi{idx}");
        var sataNeeded = d.Disks.Where(x => x.TargetBus == "sata").Select(x => DriveAddressParts(x, "sata").Controller).Distinct();
        foreach (var idx in sataNeeded.Where(i => !(IsQ35(d) && i == 0) && !d.Controllers.Any(c => c.Type == "sata" && c.Index == i)))
            a.Add("-device", $"ahci,id=sata{idx}");
    }

    private static string UsbModel(DomainDefinition d, string? model) => model switch
    {
        null => IsQ35(d) ? "qemu-xhci" : "piix3-usb-uhci",
        "piix3-uhci" => "piix3-usb-uhci",
        "piix4-uhci" => "piix4-usb-uhci",
        "ich9-ehci1" => "ich9-usb-ehci1",
        "qemu-xhci" or "nec-xhci" => model,
        _ => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: USB controller model '{model}'"),
    };

    private static void Interfaces(DomainDefinition d, ArgvBuilder a)
    {
        var i = 0;
        foreach (var nic in d.Interfaces)
        {
            // Taps of network and bridge NICs and macvtap queues of direct ones are made by vireod and
            // handed over (QMP getfd) before the vCPUs start, with the device added then; they are not
            // on the command line.
            if (PluggedByVireod(nic)) { i++; continue; }
            // libvirt's alias (net0, net1, ...; kept in the live XML) names the device, so hot-unplug finds it.
            var devId = OptionToken.Id(nic.Element.Element("alias")?.Attribute("name")?.Value ?? $"net{i}", "interface alias");
            if (nic.Type == "hostdev")
            {
                // An SR-IOV VF given to the guest whole; vireod has set its MAC through the PF and bound it to vfio-pci.
                var vf = Core.Domain.PciHostdevs.Of(d).FirstOrDefault(h => h.Element == nic.Element)
                    ?? throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(nic.Element)} has no host PCI address yet");
                a.Add("-device", VfioDevice(d, vf, devId));
                i++;
                continue;
            }
            var id = "host" + devId;
            var netdev = nic.Type switch
            {
                "user" => $"user,id={id}",
                "ethernet" => $"tap,id={id},ifname={Escape(nic.TargetDev ?? $"vnet{i}")}" +
                    $",script={Escape(nic.Element.Element("script")?.Attribute("path")?.Value ?? "no")},downscript={Escape(nic.Element.Element("downscript")?.Attribute("path")?.Value ?? "no")}",
                _ => throw new VireoException(ErrorCode.ConfigUnsupported,
                    $"unsupported configuration: {SafeXml.Where(nic.Element)} interface type '{nic.Type}' is not supported yet"),
            };
            a.Add("-netdev", netdev);
            var model = nic.Model ?? "virtio";
            var device = model switch
            {
                "virtio" => "virtio-net-pci",
                "e1000" or "e1000e" or "rtl8139" or "vmxnet3" or "ne2k_pci" or "pcnet" => model,
                _ => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(nic.Element)} NIC model '{model}'"),
            };
            var dev = $"{device},netdev={id},id={devId},mac={OptionToken.Mac(nic.Mac)}{PciAddress(d, nic.Address)}";
            if (nic.BootOrder is { } order) dev += $",bootindex={order}";
            a.Add("-device", dev);
            i++;
        }
    }

    /// <summary>Host PCI devices given to the guest through VFIO (&lt;hostdev type='pci'&gt;).</summary>
    private static void PciHostdevs(DomainDefinition d, ArgvBuilder a)
    {
        var i = 0;
        foreach (var h in Core.Domain.PciHostdevs.Of(d).Where(h => !h.IsInterface))
            a.Add("-device", VfioDevice(d, h, h.Id(i++)));
    }

    /// <summary>The vfio-pci -device value (what device_add gets for a hot-plugged one).</summary>
    public static string VfioDevice(DomainDefinition d, Core.Domain.PciHostdev h, string id)
    {
        if (h.Element.Element("driver")?.Attribute("name")?.Value is { } drv && drv != "vfio")
            throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(h.Element)} driver '{drv}' (only vfio assigns PCI devices)");
        var dev = $"vfio-pci,host={h.HostAddress},id={OptionToken.Id(id, "hostdev alias")}";
        if (h.Element.Element("rom") is { } rom)
        {
            if (rom.Attribute("bar")?.Value == "off") dev += ",rombar=0";
            if (rom.Attribute("file")?.Value is { } file) dev += $",romfile={Escape(file)}";
        }
        if (h.Element.Element("boot")?.Attribute("order")?.Value is { } order) dev += $",bootindex={OptionToken.Number(order, "boot order")}";
        return dev + PciAddress(d, DeviceAddress.From(h.Element.Element("address")));
    }

    /// <summary>The -device value of a NIC (what device_add gets when vireod plugs it); <paramref name="bus"/> is a q35 root port.</summary>
    public static string NicDeviceSpec(DomainDefinition d, InterfaceDef nic, string netdevId, string deviceId, string? bus = null)
    {
        var model = nic.Model ?? "virtio";
        var device = model switch
        {
            "virtio" => "virtio-net-pci",
            "e1000" or "e1000e" or "rtl8139" or "vmxnet3" or "ne2k_pci" or "pcnet" => model,
            _ => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(nic.Element)} NIC model '{model}'"),
        };
        var dev = $"{device},netdev={OptionToken.Id(netdevId, "netdev id")},id={OptionToken.Id(deviceId, "interface alias")},mac={OptionToken.Mac(nic.Mac)}{(nic.Address is { Type: "pci" } || bus is null ? PciAddress(d, nic.Address) : $",bus={bus}")}";
        if (nic.BootOrder is { } order) dev += $",bootindex={order}";
        return dev;
    }

    private static void GraphicsAndVideo(DomainDefinition d, ArgvBuilder a)
    {
        // Without a display QEMU falls back to gtk/sdl, or else opens a VNC server of its own on
        // 127.0.0.1:5900: a guest without <graphics> must have none (as libvirt does).
        if (d.Graphics.Count == 0) a.Add("-display", "none");
        foreach (var g in d.Graphics)
        {
            var listen = OptionToken.Host(g.Listen ?? "127.0.0.1", "listen address");
            switch (g.Type)
            {
                case "vnc":
                    // autoport: QEMU picks the first free display from 5900 up (to=), and vireod reads it back with query-vnc.
                    var display = g.AutoPort || g.Port is null or < 5900 ? "0,to=99" : (g.Port.Value - 5900).ToString();
                    var vnc = $"{(listen.Contains(':') ? $"[{listen}]" : listen)}:{display}";
                    if (g.Element.Attribute("websocket")?.Value is { } ws) vnc += $",websocket={OptionToken.Number(ws, "websocket port")}";
                    if (g.Passwd is not null) vnc += ",password=on";
                    a.Add("-vnc", vnc);
                    break;
                case "spice":
                    var spice = $"port={g.Port ?? 5900},addr={listen}";
                    if (g.Passwd is null) spice += ",disable-ticketing=on";
                    a.Add("-spice", spice);
                    break;
                case "egl-headless":
                    a.Add("-display", "egl-headless");
                    break;
                default:
                    throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(g.Element)} graphics type '{g.Type}'");
            }
        }
        var videos = d.Videos.Count == 0 && d.Graphics.Count > 0 ? [new VideoDef(null!, "vga", true, null, null)] : d.Videos;
        var n = 0;
        foreach (var v in videos.OrderByDescending(v => v.Primary))
        {
            var primary = n == 0;
            var device = v.Model switch
            {
                "vga" => "VGA",
                "cirrus" => "cirrus-vga",
                "qxl" => primary ? "qxl-vga" : "qxl",
                "virtio" => primary ? "virtio-vga" : "virtio-gpu-pci",
                "bochs" => "bochs-display",
                "ramfb" => "ramfb",
                "none" => null,
                _ => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {(v.Element is null ? "<video>" : SafeXml.Where(v.Element))} video model '{v.Model}'"),
            };
            if (device is null) continue;
            var opts = v.Model == "vga" && v.VramKiB is { } vram ? $",vgamem_mb={Math.Max(1, vram / 1024)}" : "";
            if (v.Model == "virtio" && v.Heads is { } heads) opts += $",max_outputs={heads}";
            a.Add("-device", $"{device},id=video{n}{opts}{(v.Element is null ? "" : PciAddress(d, DeviceAddress.From(v.Element.Element("address"))))}");
            n++;
        }
    }

    private static void Inputs(DomainDefinition d, ArgvBuilder a)
    {
        var n = 0;
        foreach (var input in d.Inputs)
        {
            var bus = input.Element.Attribute("bus")?.Value ?? (input.Type == "tablet" ? "usb" : "ps2");
            var dev = (input.Type, bus) switch
            {
                ("tablet", "usb") => "usb-tablet",
                ("mouse", "usb") => "usb-mouse",
                ("keyboard", "usb") => "usb-kbd",
                ("tablet", "virtio") => "virtio-tablet-pci",
                ("mouse", "virtio") => "virtio-mouse-pci",
                ("keyboard", "virtio") => "virtio-keyboard-pci",
                (_, "ps2") => null, // the i8042 controller is part of the pc and q35 machines
                _ => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(input.Element)} input '{input.Type}' on bus '{bus}'"),
            };
            if (dev is null) continue;
            a.Add("-device", $"{dev},id=input{n++}{(bus == "usb" ? ",bus=usb.0" : "")}");
        }
    }

    private static void Misc(DomainDefinition d, QemuHostOptions host, ArgvBuilder a)
    {
        var n = 0;
        foreach (var rng in d.Rngs)
        {
            var backend = rng.Element.Element("backend");
            var obj = backend?.Attribute("model")?.Value switch
            {
                "random" => $"rng-random,id=objrng{n},filename={Escape(backend.Value.Trim() is { Length: > 0 } f ? f : "/dev/urandom")}",
                "builtin" or null => $"rng-builtin,id=objrng{n}",
                var m => throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(rng.Element)} rng backend '{m}'"),
            };
            a.Add("-object", obj);
            a.Add("-device", $"virtio-rng-pci,rng=objrng{n},id=rng{n}{PciAddress(d, rng.Address)}");
            n++;
        }
        if (d.Memballoon is { Model: "virtio" } mb)
            a.Add("-device", $"virtio-balloon-pci,id=balloon0{PciAddress(d, mb.Address)}");
        n = 0;
        foreach (var w in d.Watchdogs)
        {
            var model = w.Model ?? "i6300esb";
            if (model == "itco") continue; // built into q35's ICH9
            a.Add("-device", $"{(model == "i6300esb" ? "i6300esb" : model == "ib700" ? "ib700" : throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: watchdog model '{model}'"))},id=watchdog{n++}{PciAddress(d, w.Address)}");
        }
        if (d.Xml.Element("devices")?.Element("panic") is { } panic)
            a.Add("-device", panic.Attribute("model")?.Value is "hyperv" ? "hyperv-panic" : "pvpanic");
        Passthrough(d, host, a);
    }

    /// <summary>
    /// &lt;qemu:commandline&gt; hands QEMU arguments no check of Vireo's sees (a -drive of any host file, a
    /// -chardev of any device): only where the administrator allows it, as libvirt marks such domains tainted.
    /// </summary>
    private static void Passthrough(DomainDefinition d, QemuHostOptions host, ArgvBuilder a)
    {
        var args = d.Xml.Elements(QemuNs + "commandline").Elements().ToList();
        if (args.Count == 0) return;
        if (!host.AllowCommandline)
            throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: {SafeXml.Where(args[0].Parent!)} passes arguments to QEMU around every check Vireo makes; " +
                "set allow_qemu_commandline = 1 in vireod.conf to allow it on this host");
        foreach (var arg in args)
        {
            if (arg.Name != QemuNs + "arg")
                throw new VireoException(ErrorCode.ConfigUnsupported, $"unsupported configuration: {SafeXml.Where(arg)} is not supported (only <qemu:arg value='...'/>)");
            if (arg.Attribute("value")?.Value is { } v) a.Add(v);
        }
    }

    /// <summary>A number libvirt writes in hex or decimal ("0x10", "16"): passed on as written once it is known to be nothing else.</summary>
    private static string HexNumber(string value, string what) =>
        DomainValidator.Hex(value) >= 0 ? value.Trim() : throw new VireoException(ErrorCode.ConfigUnsupported,
            $"unsupported configuration: {what} '{Core.Names.Text.Printable(value)}' is not a number");

    private static readonly System.Xml.Linq.XNamespace QemuNs = "http://libvirt.org/schemas/domain/qemu/1.0";
}
