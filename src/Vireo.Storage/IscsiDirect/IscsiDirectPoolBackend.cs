using System.Globalization;
using System.Text.RegularExpressions;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Processes;

namespace Vireo.Storage.IscsiDirect;

/// <summary>
/// libvirt's 'iscsi-direct' pool: no kernel initiator; the target's LUNs are listed with libiscsi's
/// tools (iscsi-ls, iscsi-readcapacity16) and guests reach them through QEMU's own iSCSI driver.
/// CHAP credentials go to libiscsi through its environment variables, never on a command line.
/// </summary>
public sealed partial class IscsiDirectPoolBackend(IProcessRunner runner, ISecretValues secrets) : IPoolBackend, INetworkVolumes, ISourceFinder
{
    public string Type => "iscsi-direct";
    public PoolCapabilities Capabilities => PoolCapabilities.FindSources;

    private static string Portal(StoragePoolDefinition p) => $"{p.SourceHosts[0].Name}:{p.SourceHosts[0].Port ?? 3260}";
    private static string Target(StoragePoolDefinition p) => p.SourceDevices[0].Path;

    private Dictionary<string, string> Env(StoragePoolDefinition p) => p.Auth is { } a
        ? new() { ["LIBISCSI_CHAP_USERNAME"] = a.Username, ["LIBISCSI_CHAP_PASSWORD"] = ISecretValues.ChapPassword(secrets.Value(a)) }
        : new();

    [GeneratedRegex(@"^Lun:(\d+)\s+Type:(\S+)", RegexOptions.Multiline)]
    private static partial Regex LunLine();

    /// <summary>The LUNs of the pool's target that hold data (not the controller LUN).</summary>
    private async Task<List<int>> LunsAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var r = await runner.RunAsync(["iscsi-ls", "-s", "-i", p.InitiatorIqn!, $"iscsi://{Portal(p)}/"], check: false, env: Env(p), ct: ct);
        var output = r.Stdout + r.Stderr;
        if (r.ExitCode != 0 || output.Contains("failed", StringComparison.OrdinalIgnoreCase))
            throw new VireoException(ErrorCode.OperationFailed, $"cannot reach iSCSI target '{Target(p)}' at {Portal(p)}: {output.Trim()}");
        // iscsi-ls prints every target; only the lines after ours count.
        var start = output.IndexOf($"Target:{Target(p)} ", StringComparison.Ordinal);
        if (start < 0) throw new VireoException(ErrorCode.OperationFailed, $"portal {Portal(p)} does not offer target '{Target(p)}'");
        var end = output.IndexOf("Target:", start + 7, StringComparison.Ordinal);
        var section = end < 0 ? output[start..] : output[start..end];
        return LunLine().Matches(section).Where(m => m.Groups[2].Value == "DIRECT_ACCESS").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
    }

    public Task BuildAsync(StoragePoolDefinition p, BuildMode mode, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi-direct pools have nothing to build");

    public async Task StartAsync(StoragePoolDefinition p, CancellationToken ct) => await LunsAsync(p, ct);

    public Task StopAsync(StoragePoolDefinition p, CancellationToken ct) => Task.CompletedTask;

    public Task DeleteAsync(StoragePoolDefinition p, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi-direct pools cannot be deleted from the initiator side");

    public async Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition p, CancellationToken ct)
    {
        var vols = new List<VolumeRecord>();
        foreach (var lun in await LunsAsync(p, ct))
        {
            var cap = await runner.RunAsync(["iscsi-readcapacity16", "-i", p.InitiatorIqn!, $"iscsi://{Portal(p)}/{Target(p)}/{lun}"], env: Env(p), ct: ct);
            var size = Regex.Match(cap.Stdout, @"Total size:(\d+)") is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var key = $"ip-{Portal(p)}-iscsi-{Target(p)}-lun-{lun}";
            vols.Add(new VolumeRecord($"unit:0:0:{lun}", key, key, "network", "raw", size, size));
        }
        var total = vols.Sum(v => v.Capacity);
        return (new PoolSizes(total, total, 0), vols);
    }

    public (string Protocol, string Name) SourceOf(StoragePoolDefinition p, VolumeRecord v) =>
        ("iscsi", $"{Target(p)}/{v.Name[(v.Name.LastIndexOf(':') + 1)..]}");

    public Task<VolumeRecord> CreateVolumeAsync(StoragePoolDefinition p, VolumeSpec spec, IProgress<double>? progress, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi-direct pools cannot create volumes: LUNs are made on the target");

    public Task DeleteVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi-direct pools cannot delete volumes");

    public Task ResizeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, long capacity, bool shrink, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi-direct pools cannot resize volumes");

    public Task WipeVolumeAsync(StoragePoolDefinition p, VolumeRecord v, CancellationToken ct) =>
        throw new VireoException(ErrorCode.NotSupported, "iscsi-direct pools cannot wipe volumes");

    public async Task<string> FindSourcesAsync(string? host, int? port, string? initiator, CancellationToken ct)
    {
        if (host is null) throw new VireoException(ErrorCode.InvalidArgument, "finding iscsi-direct sources needs a host");
        string[] argv = initiator is null ? ["iscsi-ls", $"iscsi://{host}:{port ?? 3260}/"] : ["iscsi-ls", "-i", initiator, $"iscsi://{host}:{port ?? 3260}/"];
        var r = await runner.RunAsync(argv, ct: ct);
        var targets = Regex.Matches(r.Stdout, @"^Target:(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct();
        return Core.Xml.SafeXml.Format(new System.Xml.Linq.XElement("sources", targets.Select(t => new System.Xml.Linq.XElement("source",
            new System.Xml.Linq.XElement("host", new System.Xml.Linq.XAttribute("name", host), new System.Xml.Linq.XAttribute("port", port ?? 3260)),
            new System.Xml.Linq.XElement("device", new System.Xml.Linq.XAttribute("path", t))))));
    }
}
