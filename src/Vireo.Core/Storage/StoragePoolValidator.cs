using System.Xml.Linq;
using Vireo.Core.Names;
using Vireo.Core.Xml;

namespace Vireo.Core.Storage;

/// <summary>What libvirt checks when a pool is defined: names, types and what each type needs.</summary>
public static class StoragePoolValidator
{
    public static void Validate(StoragePoolDefinition p, List<string> problems)
    {
        var x = p.Xml;
        if (p.Type == "") problems.Add("<pool> is missing the 'type' attribute");
        else if (!StoragePoolDefinition.Types.Contains(p.Type)) problems.Add($"unknown storage pool type '{p.Type}' (known: {string.Join(", ", StoragePoolDefinition.Types)})");
        ObjectName.Check(p.Name, "storage pool", x.Element("name"), problems);
        if (p.TargetPath is { } t && !t.StartsWith('/')) problems.Add($"target path '{t}' must be absolute");
        if (p.SourceHosts.Any(h => h.Name == "")) problems.Add("<source><host> needs a 'name' attribute");
        CheckTokens(x, problems);
        if (p.SourceDevices.Any(d => d.Path == "")) problems.Add("<source><device> needs a 'path' attribute");
        if (p.Auth is { } a)
        {
            if (a.Type is not ("ceph" or "chap")) problems.Add($"<auth> type '{a.Type}' is not supported (ceph or chap)");
            if (a.Username == "") problems.Add("<auth> needs a 'username' attribute");
            if (a.SecretUuid is null && a.SecretUsage is null) problems.Add("<auth><secret> needs a 'uuid' or 'usage' attribute");
        }
        void Need(bool ok, string what) { if (!ok) problems.Add($"storage pool type '{p.Type}' needs {what}"); }
        switch (p.Type)
        {
            case "dir" or "mpath":
                Need(p.TargetPath is not null, "<target><path>");
                break;
            case "fs":
                Need(p.SourceDevices.Count == 1, "exactly one <source><device path='...'/>");
                Need(p.TargetPath is not null, "<target><path>");
                break;
            case "netfs":
                Need(p.SourceHosts.Count >= 1, "<source><host name='...'/>");
                Need(p.SourceDir is not null || p.SourceName is not null, "<source><dir path='...'/>");
                Need(p.TargetPath is not null, "<target><path>");
                if (p.SourceFormat is { } f && f is not ("auto" or "nfs" or "glusterfs" or "cifs"))
                    problems.Add($"netfs source format '{f}' is not one of auto, nfs, glusterfs, cifs");
                break;
            case "logical":
                Need(p.SourceName is not null || p.SourceDevices.Count > 0, "<source><name> or <source><device>");
                break;
            case "disk":
                Need(p.SourceDevices.Count >= 1, "<source><device path='...'/>");
                break;
            case "iscsi":
                Need(p.SourceHosts.Count >= 1, "<source><host name='...'/>");
                Need(p.SourceDevices.Count >= 1, "<source><device path='IQN'/>");
                break;
            case "iscsi-direct":
                Need(p.SourceHosts.Count >= 1, "<source><host name='...'/>");
                Need(p.SourceDevices.Count >= 1, "<source><device path='IQN'/>");
                Need(p.InitiatorIqn is not null, "<source><initiator><iqn name='...'/>");
                break;
            case "scsi":
                Need(x.Element("source")?.Element("adapter") is not null, "<source><adapter>");
                break;
            case "rbd" or "sheepdog":
                Need(p.SourceName is not null, "<source><name>");
                Need(p.SourceHosts.Count >= 1, "<source><host name='...'/>");
                break;
            case "gluster":
                Need(p.SourceName is not null, "<source><name> (the volume)");
                Need(p.SourceHosts.Count >= 1, "<source><host name='...'/>");
                break;
            case "zfs" or "vstorage":
                Need(p.SourceName is not null, "<source><name>");
                break;
        }
    }

    /// <summary>
    /// Pool values reach mount, iscsiadm, rbd and the ceph configuration and keyring files vireod writes:
    /// none may carry a control character (a newline would add a line to those files), and a source
    /// host is an IP address or a host name.
    /// </summary>
    private static void CheckTokens(XElement x, List<string> problems)
    {
        foreach (var a in x.DescendantsAndSelf().Attributes())
            if (Text.FirstControl(a.Value) is { } c)
                problems.Add($"{SafeXml.Where(a.Parent!)}: '{a.Name.LocalName}' must not contain control characters (found {Text.Describe(c)})");
        foreach (var e in new[] { x.Element("target")?.Element("path"), x.Element("source")?.Element("name") }.OfType<XElement>())
            if (Text.FirstControl(e.Value.Trim()) is { } c)
                problems.Add($"{SafeXml.Where(e)}: must not contain control characters (found {Text.Describe(c)})");
        foreach (var h in x.Element("source")?.Elements("host") ?? [])
            if (h.Attr("name") is { Length: > 0 } name && !(System.Net.IPAddress.TryParse(name, out _) && !name.Contains('%')) && DnsNames.DomainNameProblem(name) is { } hp)
                problems.Add($"{SafeXml.Where(h)}: host '{Text.Printable(name)}' is neither an IP address nor a host name: it {hp}");
    }
}
