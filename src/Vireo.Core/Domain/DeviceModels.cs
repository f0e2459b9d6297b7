using System.Xml.Linq;

namespace Vireo.Core.Domain;

/// <summary>A device address as libvirt writes it (pci, drive, usb, ...). Values kept as text.</summary>
public sealed record DeviceAddress(string Type, IReadOnlyDictionary<string, string> Values)
{
    public string? this[string key] => Values.TryGetValue(key, out var v) ? v : null;

    public static DeviceAddress? From(XElement? e) =>
        e is null ? null : new(e.Attribute("type")?.Value ?? "",
            e.Attributes().Where(a => a.Name != "type").ToDictionary(a => a.Name.LocalName, a => a.Value));
}

public sealed record DiskSource(string? File, string? Dev, string? Dir, string? Protocol, string? Name,
    IReadOnlyList<(string Name, string? Port)> Hosts, string? Pool, string? Volume);

/// <summary>&lt;auth username='...'&gt;&lt;secret type='ceph|iscsi' uuid='...' or usage='...'/&gt; of a network disk (under &lt;disk&gt; or &lt;source&gt;).</summary>
public sealed record DiskAuth(string Username, string? SecretType, Guid? SecretUuid, string? SecretUsage);

public sealed record DiskDef(XElement Element, string Type, string Device, string? DriverName, string? DriverType,
    string? Cache, string? Io, string? Discard, DiskSource? Source, string? TargetDev, string? TargetBus,
    bool ReadOnly, bool Shareable, int? BootOrder, string? Serial, DeviceAddress? Address, DiskAuth? Auth = null)
{
    public bool IsCdrom => Device == "cdrom";
}

public sealed record ControllerDef(XElement Element, string Type, int Index, string? Model, DeviceAddress? Address);

public sealed record InterfaceDef(XElement Element, string Type, string? Mac, string? Model, string? SourceNetwork,
    string? SourceBridge, string? SourceDev, string? TargetDev, int? BootOrder, DeviceAddress? Address);

/// <summary>serial, console, parallel and channel share libvirt's chardev source syntax.</summary>
public sealed record CharDevDef(XElement Element, string Kind, string Type, string? SourcePath, string? SourceMode,
    string? SourceHost, string? SourceService, string? Protocol, string? TargetType, int? TargetPort, string? TargetName,
    DeviceAddress? Address);

public sealed record GraphicsDef(XElement Element, string Type, int? Port, bool AutoPort, string? Listen, string? Passwd);

public sealed record VideoDef(XElement Element, string Model, bool Primary, long? VramKiB, int? Heads);

public sealed record SimpleDeviceDef(XElement Element, string Kind, string? Type, string? Model, DeviceAddress? Address);

public sealed record OsDef(string Type, string? Arch, string? Machine, IReadOnlyList<string> BootDevs,
    string? Kernel, string? Initrd, string? Cmdline, string? Loader, bool LoaderReadOnly, string? LoaderType,
    string? Nvram, bool? BootMenu, int? BootMenuTimeout, string? Firmware);

public sealed record CpuDef(string? Mode, string? Model, string? Check, int? Sockets, int? Dies, int? Cores, int? Threads,
    IReadOnlyList<(string Policy, string Name)> Features);

public sealed record ClockDef(string Offset, IReadOnlyList<(string Name, string? TickPolicy, string? Present)> Timers);
