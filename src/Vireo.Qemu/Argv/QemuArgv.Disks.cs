using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Qemu.Argv;

public static partial class QemuArgv
{
    private static void Disks(DomainDefinition d, IReadOnlyDictionary<string, QemuSecret> secrets, ArgvBuilder a)
    {
        foreach (var disk in d.Disks)
        {
            var blockdevs = DiskBlockdevs(disk, secrets.GetValueOrDefault(disk.TargetDev ?? ""));
            foreach (var b in blockdevs) a.Add("-blockdev", b);
            a.Add("-device", DiskDeviceSpec(d, disk, blockdevs.Count > 0));
        }
    }

    /// <summary>
    /// Node names follow the target device ("vireo-vdb-storage", "vireo-vdb-format"): target names are
    /// unique in a domain, so a disk hot-plugged later, or detached, is found by its target alone.
    /// </summary>
    public static string DiskNode(DiskDef disk) => $"vireo-{OptionToken.Name(disk.TargetDev ?? "", "disk target")}";

    /// <summary>The -blockdev objects (storage node, then format node); none for an empty cdrom or floppy.</summary>
    public static IReadOnlyList<string> DiskBlockdevs(DiskDef disk, QemuSecret? secret = null)
    {
        var a = new ArgvBuilder();
        DiskStorage(disk, DiskNode(disk), secret, a);
        return a.Args.Where((_, i) => i % 2 == 1).ToList();
    }

    /// <summary>The -device value for a disk (also what device_add gets when it is hot-plugged).</summary>
    public static string DiskDeviceSpec(DomainDefinition d, DiskDef disk, bool hasMedia)
    {
        var bus = disk.TargetBus ?? DiskBus.Guess(disk.TargetDev!);
        var dev = DiskDevice(d, disk, bus, DiskDeviceId(disk), hasMedia ? $"{DiskNode(disk)}-format" : null);
        if (disk.BootOrder is { } order) dev += $",bootindex={order}";
        return dev;
    }

    /// <summary>Adds the -blockdev pair (protocol node + format node). False for an empty cdrom/floppy.</summary>
    private static bool DiskStorage(DiskDef disk, string node, QemuSecret? secret, ArgvBuilder a)
    {
        var src = disk.Source;
        var ro = disk.ReadOnly || disk.IsCdrom;
        var cache = disk.Cache ?? "default";
        // libvirt's cache modes as blockdev's direct/no-flush pair; "default" leaves QEMU's.
        (string, object?)[] cacheOpt = cache == "default" ? [] :
            [("cache", new Json.RawJson(Json.Object(("direct", cache is "none" or "directsync"), ("no-flush", cache == "unsafe"))))];
        (string, object?)[] storage;
        switch (disk.Type)
        {
            case "file" when src?.File is { } file:
                storage = [("driver", "file"), ("filename", file)];
                break;
            case "block" when src?.Dev is { } dev:
                storage = [("driver", disk.IsCdrom ? "host_cdrom" : "host_device"), ("filename", dev)];
                break;
            case "network" when src?.Protocol is { } proto:
                storage = NetworkStorage(disk, proto, secret);
                break;
            case "file" or "block" or "network" when disk.Device is "cdrom" or "floppy":
                return false;
            default:
                throw new VireoException(ErrorCode.ConfigUnsupported,
                    $"unsupported configuration: {SafeXml.Where(disk.Element)} type '{disk.Type}' without a usable <source> cannot be started");
        }
        storage = [.. storage, ("node-name", $"{node}-storage"), ("auto-read-only", true)];
        if (disk.Discard is "unmap") storage = [.. storage, ("discard", "unmap")];
        if (disk.Io is { } io && disk.Type != "network") storage = [.. storage, ("aio", io == "default" ? "threads" : io)];
        a.Add("-blockdev", Json.Object([.. storage, .. cacheOpt]));
        var format = disk.DriverType ?? "raw";
        if (format is "aio" or "tap") format = "raw";
        (string, object?)[] fmt = [("node-name", $"{node}-format"), ("read-only", ro), ("driver", format), ("file", $"{node}-storage")];
        if (disk.Discard is "unmap") fmt = [.. fmt, ("discard", "unmap")];
        a.Add("-blockdev", Json.Object([.. fmt, .. cacheOpt]));
        return true;
    }

    private static (string, object?)[] NetworkStorage(DiskDef disk, string proto, QemuSecret? secret)
    {
        var src = disk.Source!;
        var host = src.Hosts.FirstOrDefault();
        var name = src.Name ?? "";
        if (disk.Auth is not null && secret is null)
            throw new VireoException(ErrorCode.ConfigUnsupported, $"disk '{disk.TargetDev}' has <auth> but no secret value was provided for it");
        (string, object?)[] auth = disk.Auth is { } au && secret is not null
            ? proto switch
            {
                "rbd" => [("user", au.Username), ("auth-client-required", new Json.RawJson("[\"cephx\",\"none\"]")), ("key-secret", secret.Id)],
                "iscsi" => [("user", au.Username), ("password-secret", secret.Id)],
                _ => throw new VireoException(ErrorCode.ConfigUnsupported,
                    $"unsupported configuration: {SafeXml.Where(disk.Element)} <auth> is not supported for protocol '{proto}'"),
            }
            : [];
        // gluster takes SocketAddress (with a type), rbd InetSocketAddressBase (without).
        string Servers(string defaultPort, bool typed = true) => "[" + string.Join(",", src.Hosts.Select(h => typed
            ? Json.Object(("type", "inet"), ("host", h.Name), ("port", h.Port ?? defaultPort))
            : Json.Object(("host", h.Name), ("port", h.Port ?? defaultPort)))) + "]";
        (string, object?)[] storage = proto switch
        {
            "nbd" => [("driver", "nbd"), ("server", new Json.RawJson(Json.Object(("type", "inet"), ("host", host.Name), ("port", host.Port ?? "10809")))), .. name.Length > 0 ? [("export", (object?)name)] : Array.Empty<(string, object?)>()],
            "http" or "https" or "ftp" or "ftps" => [("driver", proto), ("url", $"{proto}://{host.Name}{(host.Port is null ? "" : ":" + host.Port)}/{name.TrimStart('/')}")],
            "iscsi" => [("driver", "iscsi"), ("portal", $"{host.Name}:{host.Port ?? "3260"}"), ("target", name.Split('/')[0]), ("lun", int.TryParse(name.Split('/').ElementAtOrDefault(1), out var lun) ? lun : 0), ("transport", "tcp")],
            "gluster" => [("driver", "gluster"), ("volume", name.TrimStart('/').Split('/', 2)[0]), ("path", name.TrimStart('/').Split('/', 2).ElementAtOrDefault(1) ?? ""), ("server", new Json.RawJson(Servers("24007")))],
            "rbd" => [("driver", "rbd"), ("pool", name.Split('/', 2)[0]), ("image", name.Split('/', 2).ElementAtOrDefault(1) ?? ""),
                .. src.Hosts.Count > 0 ? [("server", (object?)new Json.RawJson(Servers("6789", typed: false)))] : Array.Empty<(string, object?)>(),
                .. disk.Element.Element("source")?.Element("config")?.Attribute("file")?.Value is { } conf ? [("conf", (object?)conf)] : Array.Empty<(string, object?)>()],
            "nfs" => [("driver", "nfs"), ("server", new Json.RawJson(Json.Object(("type", "inet"), ("host", host.Name)))), ("path", "/" + name.TrimStart('/'))],
            _ => throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: {SafeXml.Where(disk.Element)} network protocol '{proto}' is not supported"),
        };
        return [.. storage, .. auth];
    }

    /// <summary>The QEMU device id, as libvirt names it (virtio-disk1, sata0-0-1, ...); device_del uses it.</summary>
    public static string DiskDeviceId(DiskDef disk)
    {
        var bus = disk.TargetBus ?? DiskBus.Guess(disk.TargetDev!);
        var alias = disk.Element.Element("alias")?.Attribute("name")?.Value;
        if (alias is not null && alias.StartsWith("ua-")) return OptionToken.Id(alias, "disk alias");
        return OptionToken.Id(bus switch
        {
            "virtio" => $"virtio-disk{DiskBus.Index(disk.TargetDev!)}",
            "ide" or "sata" or "scsi" or "fdc" => $"{(bus == "sata" ? "sata" : bus)}{DiskBus.DriveAddress(disk, bus)!.Replace(':', '-')}",
            _ => $"{bus}-disk{DiskBus.Index(disk.TargetDev!)}",
        }, "disk device id");
    }

    private static string DiskDevice(DomainDefinition d, DiskDef disk, string bus, string id, string? drive)
    {
        var driveOpt = drive is null ? "" : $",drive={drive}";
        var serial = disk.Serial is { } s ? $",serial={Escape(s)}" : "";
        var addr = DriveAddressParts(disk, bus);
        var model = disk.IsCdrom ? "cd" : "hd";
        return bus switch
        {
            "virtio" when disk.IsCdrom => throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: {SafeXml.Where(disk.Element)} a cdrom cannot be on the virtio bus"),
            "virtio" => $"virtio-blk-pci{PciAddress(d, disk.Address)}{driveOpt},id={id}{serial}",
            "ide" when IsQ35(d) => throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: {SafeXml.Where(disk.Element)} the q35 machine has no IDE bus; use bus='sata'"),
            "ide" => $"ide-{model},bus=ide.{addr.Bus},unit={addr.Unit}{driveOpt},id={id}{serial}",
            "sata" => $"ide-{model},bus={(IsQ35(d) && addr.Controller == 0 ? "ide" : $"sata{addr.Controller}")}.{addr.Unit}{driveOpt},id={id}{serial}",
            "scsi" => $"scsi-{(disk.Device == "lun" ? "block" : model)},bus=scsi{addr.Controller}.0,channel={addr.Bus},scsi-id={addr.Target},lun={addr.Unit}{driveOpt},id={id}{serial}",
            "nvme" => $"nvme{driveOpt},id={id},serial={Escape(disk.Serial ?? id)}",
            "usb" => $"usb-storage{driveOpt},id={id}{serial}{(disk.ReadOnly ? ",removable=on" : "")}",
            "fdc" => $"floppy,unit={addr.Unit}{driveOpt},id={id}",
            _ => throw new VireoException(ErrorCode.ConfigUnsupported,
                $"unsupported configuration: {SafeXml.Where(disk.Element)} disk bus '{bus}' is not supported"),
        };
    }

    private static (int Controller, int Bus, int Target, int Unit) DriveAddressParts(DiskDef disk, string bus)
    {
        var key = DiskBus.DriveAddress(disk, bus);
        if (key is null) return (0, 0, 0, 0);
        var p = key.Split(':').Select(v => int.TryParse(v, out var n) ? n : 0).ToArray();
        return (p[0], p[1], p[2], p[3]);
    }

    /// <summary>An explicit PCI address becomes bus=/addr=; devices without one are placed by QEMU.</summary>
    private static string PciAddress(DomainDefinition d, DeviceAddress? address)
    {
        if (address is not { Type: "pci" }) return "";
        var bus = DomainValidator.Hex(address["bus"]);
        var slot = DomainValidator.Hex(address["slot"]);
        var fn = DomainValidator.Hex(address["function"]);
        var busName = bus == 0 ? (IsQ35(d) ? "pcie.0" : "pci.0") : $"pci.{bus}";
        var multi = address["multifunction"] == "on" ? ",multifunction=on" : "";
        return $",bus={busName},addr=0x{slot:x}{(fn != 0 ? $".0x{fn:x}" : "")}{multi}";
    }
}
