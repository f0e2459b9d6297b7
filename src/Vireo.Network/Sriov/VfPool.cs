using Vireo.Core.Errors;
using Vireo.Core.Network;

namespace Vireo.Network.Sriov;

/// <summary>
/// The virtual functions a hostdev network hands out: from &lt;pf dev='...'/&gt; through sysfs
/// (/sys/class/net/PF/device/virtfnN -> the VF's PCI address), or the &lt;address&gt; list in the XML.
/// Reads sysfs under a root, so tests use a fake tree.
/// </summary>
public sealed class VfPool(string sysRoot = "/sys")
{
    public IReadOnlyList<string> Discover(NetworkDefinition n)
    {
        var listed = n.Xml.Element("forward")?.Elements("address")
            .Select(a => $"{Hex(a, "domain", 4)}:{Hex(a, "bus", 2)}:{Hex(a, "slot", 2)}.{Convert.ToInt32(a.Attribute("function")?.Value ?? "0", 16):x}").ToList() ?? [];
        if (listed.Count > 0) return listed;
        var pf = n.ForwardPf ?? throw new VireoException(ErrorCode.XmlValidation,
            $"hostdev network '{n.Name}' needs <forward><pf dev='...'/> or a list of VF <address> elements");
        var dev = Path.Combine(sysRoot, "class/net", pf, "device");
        if (!Directory.Exists(Path.Combine(sysRoot, "class/net", pf)))
            throw new VireoException(ErrorCode.OperationFailed, $"hostdev network '{n.Name}': physical function '{pf}' does not exist on this host");
        if (!File.Exists(Path.Combine(dev, "sriov_totalvfs")))
            throw new VireoException(ErrorCode.OperationFailed, $"hostdev network '{n.Name}': interface '{pf}' does not support SR-IOV (no sriov_totalvfs in sysfs)");
        var vfs = Directory.EnumerateFileSystemEntries(dev, "virtfn*")
            .OrderBy(p => int.TryParse(Path.GetFileName(p)[6..], out var i) ? i : int.MaxValue)
            .Select(p => Path.GetFileName(new FileInfo(p).LinkTarget ?? p)).ToList();
        if (vfs.Count == 0)
            throw new VireoException(ErrorCode.OperationFailed,
                $"hostdev network '{n.Name}': interface '{pf}' has no virtual functions enabled (echo N > {Path.Combine(dev, "sriov_numvfs")})");
        return vfs;
    }

    /// <summary>The network interfaces of the pool's VFs (a direct network over &lt;pf&gt; makes macvtap links on them).</summary>
    public IReadOnlyList<string> NetDevs(NetworkDefinition n) => Discover(n).Select(addr =>
    {
        var net = Path.Combine(sysRoot, "bus/pci/devices", addr, "net");
        return Directory.Exists(net) && Directory.GetDirectories(net).FirstOrDefault() is { } d ? Path.GetFileName(d)
            : throw new VireoException(ErrorCode.OperationFailed, $"network '{n.Name}': virtual function {addr} has no network interface (is its driver bound?)");
    }).ToList();

    private static string Hex(System.Xml.Linq.XElement a, string attr, int width) =>
        Convert.ToInt32(a.Attribute(attr)?.Value ?? "0", 16).ToString($"x{width}");
}
