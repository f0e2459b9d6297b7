using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Facts;
using Vireo.Host.Processes;

namespace Vireo.Storage.Iscsi;

/// <summary>
/// libvirt's 'iscsi' pool: the kernel initiator, driven by iscsiadm, logs in to one target; its LUNs
/// are the volumes (/dev/disk/by-path/ip-HOST:PORT-iscsi-IQN-lun-N). CHAP credentials are written
/// into the node record file, never passed on iscsiadm's command line.
/// </summary>
public sealed class IscsiPoolBackend(IProcessRunner runner, KernelFeatures kernel, ISecretValues secrets, ILogger logger, string iscsiNodesDir = "/etc/iscsi/nodes") : IPoolBackend, ISourceFinder
{
    public string Type => "iscsi";
    public PoolCapabilities Capabilities => PoolCapabilities.FindSources | PoolCapabilities.WipeVolume;

    public static string Portal(StoragePoolDefinition p) => $"{p.SourceHosts[0].Name}:{p.SourceHosts[0].Port ?? 3260}";
    public static string Target(StoragePoolDefinition p) => p.SourceDevices[0].Path;

    public Task BuildAsync(StoragePoolDefinition p, BuildMode mode, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi pools have nothing to build");

    public async Task StartAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        if (!kernel.IscsiInitiator)
            throw new VireoException(ErrorCode.OperationFailed,
                $"cannot start iscsi pool '{p.Name}': the kernel has no iSCSI initiator (iscsi_tcp); use an iscsi-direct pool, which QEMU reaches in user space");
        await runner.RunAsync(["iscsiadm", "--mode", "discovery", "--type", "sendtargets", "--portal", Portal(p)], ct: ct);
        if (p.Auth is { } auth) WriteChap(p, auth);
        Log.IscsiLogin(logger, p.Name, Target(p), Portal(p));
        await runner.RunAsync(["iscsiadm", "--mode", "node", "--targetname", Target(p), "--portal", Portal(p), "--login"], ct: ct);
    }

    /// <summary>Puts node.session.auth.* into the node record discovery created, so the password is in a 0600 file, not in argv.</summary>
    private void WriteChap(StoragePoolDefinition p, PoolAuth auth)
    {
        var password = ISecretValues.ChapPassword(secrets.Value(auth));
        var dir = Path.Combine(iscsiNodesDir, Target(p));
        var records = Directory.Exists(dir)
            ? Directory.GetDirectories(dir).Where(d => Path.GetFileName(d).StartsWith(Portal(p).Replace(':', ','))).Select(d => Path.Combine(d, "default")).ToList()
            : [];
        if (records.Count == 0)
            throw new VireoException(ErrorCode.OperationFailed, $"discovery of {Portal(p)} did not record target '{Target(p)}' (looked in {dir})");
        foreach (var rec in records)
        {
            var lines = File.Exists(rec) ? File.ReadAllLines(rec).Where(l => !l.StartsWith("node.session.auth.")).ToList() : [];
            lines.Add("node.session.auth.authmethod = CHAP");
            lines.Add($"node.session.auth.username = {auth.Username}");
            lines.Add($"node.session.auth.password = {password}");
            File.WriteAllLines(rec, lines);
            File.SetUnixFileMode(rec, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public Task StopAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        Log.IscsiLogout(logger, p.Name, Target(p), Portal(p));
        return runner.RunAsync(["iscsiadm", "--mode", "node", "--targetname", Target(p), "--portal", Portal(p), "--logout"], ct: ct);
    }

    public Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi pools cannot be deleted from the initiator side");

    public async Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        const string byPath = "/dev/disk/by-path";
        var prefix = $"ip-{Portal(p)}-iscsi-{Target(p)}-lun-";
        var vols = new List<VolumeRecord>();
        if (Directory.Exists(byPath))
            foreach (var link in Directory.GetFiles(byPath, prefix + "*").Order())
            {
                var size = long.Parse((await runner.RunAsync(["blockdev", "--getsize64", link], ct: ct)).Stdout.Trim());
                vols.Add(new VolumeRecord($"unit:0:0:{link[(link.LastIndexOf('-') + 1)..]}", link, link, "block", "none", size, size));
            }
        var total = vols.Sum(v => v.Capacity);
        return (new PoolSizes(total, total, 0), vols);
    }

    public Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition p, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi pools cannot create volumes: LUNs are made on the target");

    public Task DeleteVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi pools cannot delete volumes");

    public Task ResizeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, long capacity, bool shrink, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi pools cannot resize volumes");

    public Task WipeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        runner.RunAsync(["blkdiscard", "-z", v.Path], ct: ct);

    /// <summary>find-storage-pool-sources-as iscsi HOST [PORT]: the targets the portal offers (sendtargets discovery).</summary>
    public async Task<IReadOnlyList<string>> FindTargetsAsync(string host, int port, CancellationToken ct, string? initiator = null)
    {
        string[] discover = ["iscsiadm", "--mode", "discovery", "--type", "sendtargets", "--portal", $"{host}:{port}"];
        if (initiator is not null)
        {
            // As libvirt: an iscsiadm interface record carries the initiator name, and discovery goes through it.
            var iface = "vireo-iface-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(initiator)))[..8];
            var exists = await runner.RunAsync(["iscsiadm", "--mode", "iface", "--interface", iface], ct: ct, check: false);
            if (exists.ExitCode != 0) await runner.RunAsync(["iscsiadm", "--mode", "iface", "--interface", iface, "--op", "new"], ct: ct);
            await runner.RunAsync(["iscsiadm", "--mode", "iface", "--interface", iface, "--op", "update", "--name", "iface.initiatorname", "--value", initiator], ct: ct);
            discover = [.. discover, "--interface", iface];
        }
        var r = await runner.RunAsync(discover, ct: ct);
        // "127.0.0.1:3260,1 iqn.2024-01.org.example:disk1"
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ').Last().Trim()).Distinct().ToList();
    }

    public async Task<string> FindSourcesAsync(string? host, int? port, string? initiator, CancellationToken ct)
    {
        if (host is null) throw new VireoException(ErrorCode.InvalidArgument, "finding iscsi sources needs a host (find-storage-pool-sources-as iscsi HOST [PORT])");
        var targets = await FindTargetsAsync(host, port ?? 3260, ct, initiator);
        var sources = new System.Xml.Linq.XElement("sources", targets.Select(t => new System.Xml.Linq.XElement("source",
            new System.Xml.Linq.XElement("host", new System.Xml.Linq.XAttribute("name", host), new System.Xml.Linq.XAttribute("port", port ?? 3260)),
            new System.Xml.Linq.XElement("device", new System.Xml.Linq.XAttribute("path", t)))));
        return Core.Xml.SafeXml.Format(sources);
    }
}
