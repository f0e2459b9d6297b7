using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Xml;

namespace Vireo.Core.Paths;

/// <summary>What a host path must be for the use it is put to.</summary>
public enum HostFileKind { File, BlockDevice, Directory, Socket, CharDevice, Fifo }

/// <summary>One host path a guest uses.</summary>
/// <param name="Element">the element naming it, for "&lt;source&gt; (line 12)"</param>
/// <param name="Role">what it is, for messages: "disk 'vda' source", "kernel", "serial log"</param>
/// <param name="ReadOnly">QEMU only reads it (kernel, cdrom, backing store, &lt;readonly/&gt; disk)</param>
/// <param name="MayBeCreated">QEMU or vireod creates it when missing (a log file, a listening socket, nvram)</param>
/// <param name="ImageFormat">for a disk image, the format QEMU opens it with; formats with backing files are followed</param>
public sealed record GuestHostPath(XElement Element, string Role, string Path, HostFileKind Kind, bool ReadOnly,
    bool MayBeCreated = false, string? ImageFormat = null)
{
    public string Where => SafeXml.Where(Element);
}

/// <summary>
/// Every host path a domain definition hands to QEMU: disk and filesystem sources and their backing stores,
/// kernel, initrd, dtb, firmware, nvram, ACPI tables, character device paths and logs, rng, tpm, input,
/// nvdimm, vhost-user and graphics sockets. One list, so validation and the policy check see the same paths.
/// Disks of type 'volume' are not here: they become paths when their pool resolves them.
/// </summary>
public static class GuestHostPaths
{
    public static IReadOnlyList<GuestHostPath> Of(DomainDefinition d)
    {
        var list = new List<GuestHostPath>();
        Os(d.Xml.Element("os"), list);
        var devices = d.Xml.Element("devices");
        if (devices is null) return list;
        foreach (var disk in devices.Elements("disk")) Disk(disk, list);
        foreach (var c in devices.Elements().Where(e => e.Name.LocalName is "serial" or "console" or "parallel" or "channel"))
            CharDev(c, c.Name.LocalName, list);
        foreach (var fs in devices.Elements("filesystem")) Filesystem(fs, list);
        Others(devices, list);
        return list;
    }

    private static void Os(XElement? os, List<GuestHostPath> list)
    {
        if (os is null) return;
        Add(list, os.Element("kernel"), "kernel", Text(os.Element("kernel")), HostFileKind.File, true);
        Add(list, os.Element("initrd"), "initrd", Text(os.Element("initrd")), HostFileKind.File, true);
        Add(list, os.Element("dtb"), "dtb", Text(os.Element("dtb")), HostFileKind.File, true);
        var loader = os.Element("loader");
        // A pflash loader without readonly='yes' is written by the guest; a ROM never is.
        Add(list, loader, "loader", Text(loader), HostFileKind.File, loader.Attr("type") != "pflash" || loader.Attr("readonly") == "yes");
        var nvram = os.Element("nvram");
        Add(list, nvram, "nvram", Text(nvram), HostFileKind.File, false, mayBeCreated: true);
        Add(list, nvram, "nvram template", nvram.Attr("template"), HostFileKind.File, true);
        foreach (var table in os.Elements("acpi").Elements("table"))
            Add(list, table, "ACPI table", Text(table), HostFileKind.File, true);
    }

    private static void Disk(XElement disk, List<GuestHostPath> list)
    {
        var target = disk.Element("target").Attr("dev") ?? "?";
        var readOnly = disk.Element("readonly") is not null || disk.Attr("device") == "cdrom";
        var format = disk.Element("driver").Attr("type");
        var src = disk.Element("source");
        var role = $"disk '{target}' source";
        switch (disk.Attr("type") ?? "file")
        {
            case "file": Add(list, src, role, src.Attr("file"), HostFileKind.File, readOnly, format: format); break;
            case "block": Add(list, src, role, src.Attr("dev"), HostFileKind.BlockDevice, readOnly, format: format); break;
            case "dir": Add(list, src, role, src.Attr("dir"), HostFileKind.Directory, readOnly); break;
            case "vhostuser": Add(list, src, role, src.Attr("path"), HostFileKind.Socket, false); break;
            case "network": Add(list, src?.Element("config"), $"disk '{target}' ceph configuration", src?.Element("config").Attr("file"), HostFileKind.File, true); break;
        }
        foreach (var r in (src?.Elements("reservations").Elements("source")).OrEmpty())
            Add(list, r, $"disk '{target}' reservations socket", r.Attr("path"), HostFileKind.Socket, false, mayBeCreated: true);
        BackingStores(disk.Element("backingStore"), target, list);
    }

    /// <summary>&lt;backingStore&gt; chains as libvirt writes them: each read-only, nested in the one above.</summary>
    private static void BackingStores(XElement? store, string target, List<GuestHostPath> list)
    {
        for (var depth = 1; store is not null && depth <= 64; depth++, store = store.Element("backingStore"))
        {
            var src = store.Element("source");
            var format = store.Element("format").Attr("type");
            var role = $"disk '{target}' backing store";
            if ((store.Attr("type") ?? "file") == "file") Add(list, src, role, src.Attr("file"), HostFileKind.File, true, format: format);
            else if (store.Attr("type") == "block") Add(list, src, role, src.Attr("dev"), HostFileKind.BlockDevice, true, format: format);
        }
    }

    /// <summary>libvirt's chardev source types that name a host path, plus the optional &lt;log file&gt;.</summary>
    private static void CharDev(XElement c, string role, List<GuestHostPath> list)
    {
        var src = c.Elements("source").FirstOrDefault(s => s.Attr("path") is not null);
        var path = src.Attr("path");
        switch (c.Attr("type"))
        {
            case "file": Add(list, src, $"{role} file", path, HostFileKind.File, false, mayBeCreated: true); break;
            case "pipe": Add(list, src, $"{role} pipe", path, HostFileKind.Fifo, false); break;
            case "dev": Add(list, src, $"{role} device", path, HostFileKind.CharDevice, false); break;
            case "unix": Add(list, src, $"{role} socket", path, HostFileKind.Socket, false, mayBeCreated: src.Attr("mode") == "bind"); break;
        }
        var log = c.Element("log");
        Add(list, log, $"{role} log", log.Attr("file"), HostFileKind.File, false, mayBeCreated: true);
    }

    private static void Filesystem(XElement fs, List<GuestHostPath> list)
    {
        var src = fs.Element("source");
        var readOnly = fs.Element("readonly") is not null;
        switch (fs.Attr("type") ?? "mount")
        {
            case "mount" or "bind": Add(list, src, "filesystem source", src.Attr("dir"), HostFileKind.Directory, readOnly); break;
            case "file": Add(list, src, "filesystem source", src.Attr("file"), HostFileKind.File, readOnly); break;
            case "block": Add(list, src, "filesystem source", src.Attr("dev"), HostFileKind.BlockDevice, readOnly); break;
        }
    }

    private static void Others(XElement devices, List<GuestHostPath> list)
    {
        foreach (var rng in devices.Elements("rng"))
        {
            var backend = rng.Element("backend");
            if (backend.Attr("model") == "random") Add(list, backend, "rng backend", Text(backend), HostFileKind.CharDevice, true);
            else if (backend.Attr("model") == "egd" && backend is not null) CharDev(backend, "rng backend", list);
        }
        foreach (var tpm in devices.Elements("tpm").Elements("backend").Where(b => b.Attr("type") == "passthrough"))
            Add(list, tpm.Element("device"), "tpm device", tpm.Element("device").Attr("path"), HostFileKind.CharDevice, false);
        foreach (var input in devices.Elements("input").Elements("source"))
            Add(list, input, "input device", input.Attr("evdev") ?? input.Attr("dev"), HostFileKind.CharDevice, true);
        foreach (var mem in devices.Elements("memory").Elements("source").Elements("path"))
            Add(list, mem, "memory device backing file", Text(mem), HostFileKind.File, false);
        foreach (var shm in devices.Elements("shmem").Elements("server"))
            Add(list, shm, "shmem server socket", shm.Attr("path"), HostFileKind.Socket, false);
        foreach (var nic in devices.Elements("interface").Where(n => n.Attr("type") == "vhostuser"))
        {
            var src = nic.Element("source");
            Add(list, src, "vhost-user interface socket", src.Attr("path"), HostFileKind.Socket, false, mayBeCreated: src.Attr("mode") == "server");
        }
        foreach (var g in devices.Elements("graphics"))
        {
            Add(list, g, $"{g.Attr("type")} graphics socket", g.Attr("socket"), HostFileKind.Socket, false, mayBeCreated: true);
            foreach (var l in g.Elements("listen").Where(l => l.Attr("type") == "socket"))
                Add(list, l, $"{g.Attr("type")} graphics socket", l.Attr("socket"), HostFileKind.Socket, false, mayBeCreated: true);
        }
    }

    private static string? Text(XElement? e) => e?.Value.Trim() is { Length: > 0 } t ? t : null;

    private static IEnumerable<XElement> OrEmpty(this IEnumerable<XElement>? e) => e ?? [];

    private static void Add(List<GuestHostPath> list, XElement? element, string role, string? path, HostFileKind kind, bool readOnly,
        bool mayBeCreated = false, string? format = null)
    {
        // An empty source (file='') is no medium, as libvirt reads it.
        if (element is null || string.IsNullOrEmpty(path)) return;
        list.Add(new GuestHostPath(element, role, path, kind, readOnly, mayBeCreated, format));
    }
}
