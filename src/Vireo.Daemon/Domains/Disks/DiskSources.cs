using System.Xml.Linq;
using Vireo.Core.Domain;
using Vireo.Core.Xml;
using Vireo.Qemu.Argv;

namespace Vireo.Daemon.Domains.Disks;

/// <summary>
/// What QEMU opens for a disk: a &lt;disk type='volume'&gt; becomes the file, device or network disk its pool
/// says, and a disk's &lt;auth&gt; secret reaches QEMU encrypted under the domain's master key.
/// </summary>
public sealed class DiskSources(IVolumeResolver volumes, IDiskSecrets secrets)
{
    /// <summary>The definition QEMU is started from: volume disks become what they name.</summary>
    public DomainDefinition ForQemu(DomainDefinition def)
    {
        if (!def.Disks.Any(d => d.Type == "volume")) return def;
        var copy = def.Clone();
        foreach (var disk in copy.Disks.Where(d => d.Type == "volume")) Resolve(disk.Element);
        copy.Reload();
        return copy;
    }

    /// <summary>Each network disk's secret, encrypted under the domain's master key (created on first need).</summary>
    public Dictionary<string, QemuSecret> Secrets(DomainDefinition def, QemuPaths qpaths)
    {
        var result = new Dictionary<string, QemuSecret>();
        var withAuth = def.Disks.Where(d => d.Auth is not null && d.TargetDev is not null).ToList();
        if (withAuth.Count == 0) return result;
        var key = QemuSecret.EnsureMasterKey(qpaths.MasterKey);
        foreach (var d in withAuth) result[d.TargetDev!] = SecretFor(d, key);
        return result;
    }

    /// <summary>The raw value, as libvirt passes it: QEMU base64-encodes a cephx key itself and uses a CHAP password as is.</summary>
    public QemuSecret SecretFor(DiskDef d, byte[] masterKey) => QemuSecret.Encrypt(masterKey, QemuSecret.IdFor(d.TargetDev!), secrets.ValueFor(d.Auth!));

    private void Resolve(XElement disk)
    {
        var src = disk.Element("source")!;
        var v = volumes.Resolve(src.Attr("pool") ?? "", src.Attr("volume") ?? "");
        disk.SetAttributeValue("type", v.DiskType);
        foreach (var a in new[] { "pool", "volume", "mode" }) src.SetAttributeValue(a, null);
        switch (v.DiskType)
        {
            case "network":
                src.SetAttributeValue("protocol", v.Protocol);
                src.SetAttributeValue("name", v.Name);
                foreach (var h in v.Hosts ?? [])
                    src.Add(new XElement("host", new XAttribute("name", h.Name), h.Port is { } port ? new XAttribute("port", port) : null));
                if (v.Auth is { } auth && disk.Element("auth") is null)
                {
                    // The pool's credentials, as libvirt hands them on to the disk.
                    var secret = new XElement("secret", new XAttribute("type", v.Protocol == "rbd" ? "ceph" : v.Protocol!));
                    if (auth.SecretUuid is { } u) secret.SetAttributeValue("uuid", u.ToString());
                    else secret.SetAttributeValue("usage", auth.SecretUsage);
                    src.AddBeforeSelf(new XElement("auth", new XAttribute("username", auth.Username), secret));
                }
                break;
            case "block":
                src.SetAttributeValue("dev", v.Path);
                break;
            default:
                src.SetAttributeValue("file", v.Path);
                break;
        }
        var driver = disk.Element("driver") ?? new XElement("driver", new XAttribute("name", "qemu"));
        if (driver.Parent is null) disk.AddFirst(driver);
        if (driver.Attr("type") is null) driver.SetAttributeValue("type", v.Format is "iso" or "none" ? "raw" : v.Format);
    }
}
