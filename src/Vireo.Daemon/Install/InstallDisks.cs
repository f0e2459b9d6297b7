using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Core.OsInfo;
using Vireo.Daemon.Storage;

namespace Vireo.Daemon.Install;

/// <summary>
/// The --disk options as disks of the new domain: new volumes in a pool (NAME.qcow2 in the default pool
/// for a bare size=), files at a path, existing volumes, CD-ROMs. Whatever is created is undone when a
/// later step of the install fails.
/// </summary>
public static class InstallDisks
{
    private const double GiB = 1L << 30;

    /// <summary>Whether a --check is on: as asked by name, else as asked for all, else on.</summary>
    public static bool CheckOn(InstallRequest r, string name) => r.Checks.TryGetValue(name, out var on) ? on : r.Checks.GetValueOrDefault("all", true);

    public static async Task<List<PlannedDisk>> PlanAsync(InstallRequest r, OsInfo? os, string machine, PoolRegistry pools, PoolVolumes volumes, VolumeOperations volumeOps, bool create,
        Rollback undo, Func<string, Task> progress, Func<string, IReadOnlyList<string>> domainsWithDisk, List<string> warnings, CancellationToken ct)
    {
        var planned = new List<PlannedDisk>();
        var q35 = machine.Contains("q35");
        foreach (var d in r.Disks)
        {
            var bus = d.Bus ?? (d.Device == "cdrom" ? (q35 ? "sata" : "ide") : os?.DiskBus(q35) ?? "virtio");
            var target = NextTarget(bus, planned.Select(p => p.Target));
            if (d.Device == "cdrom")
            {
                var iso = d.Path ?? throw new VireoException(ErrorCode.InvalidArgument, "--disk device=cdrom needs path=");
                if (!File.Exists(iso)) throw new VireoException(ErrorCode.InvalidArgument, $"--disk path={iso}: no such file");
                planned.Add(new PlannedDisk("file", "cdrom", Path.GetFullPath(iso), "raw", bus, target, d.Cache));
                continue;
            }
            if (d.Vol is { } vol)
            {
                var parts = vol.Split('/', 2);
                if (parts.Length != 2) throw new VireoException(ErrorCode.InvalidArgument, $"--disk vol={vol}: POOL/VOLUME");
                var v = volumes.Get(parts[0], parts[1]).Volume;
                planned.Add(new PlannedDisk("volume", "disk", v.Path, v.Format, bus, target, d.Cache, parts[0], parts[1]));
                continue;
            }
            if (d.Path is { } path)
            {
                path = Path.GetFullPath(path);
                if (CheckOn(r, "path_in_use") && domainsWithDisk(path) is { Count: > 0 } users)
                    throw new VireoException(ErrorCode.OperationInvalid,
                        $"Disk {path} is already in use by other guests: {string.Join(", ", users)} (--check path_in_use=off to use it anyway)");
                var format = d.Format ?? (File.Exists(path) ? Images.ImageFormat.Probe(path) : path.EndsWith(".qcow2") ? "qcow2" : "raw");
                if (!File.Exists(path) && !path.StartsWith("/dev/"))
                {
                    if (d.SizeGiB is not { } size) throw new VireoException(ErrorCode.InvalidArgument, $"--disk path={path} does not exist: give size= to create it");
                    if (!Directory.Exists(Path.GetDirectoryName(path))) throw new VireoException(ErrorCode.InvalidArgument, $"--disk path={path}: directory {Path.GetDirectoryName(path)} does not exist");
                    if (create)
                    {
                        await progress($"Allocating '{path}' ({size} GiB)");
                        // Registered first: a half-written file goes too.
                        undo.Add($"disk '{path}'", () => File.Delete(path));
                        await CreateFileAsync(path, format, (long)(size * GiB), d.Sparse);
                    }
                }
                planned.Add(new PlannedDisk(path.StartsWith("/dev/") ? "block" : "file", "disk", path, format, bus, target, d.Cache));
                continue;
            }
            // size= alone: a new volume in the pool (default: 'default'), named after the domain.
            var poolName = d.Pool ?? "default";
            var pool = pools.Get(poolName);
            if (!pool.Active) throw new VireoException(ErrorCode.OperationInvalid, $"storage pool '{poolName}' is not active (start it with 'vireo pool-start {poolName}')");
            var fmt = d.Format ?? (pool.Type is "dir" or "fs" or "netfs" ? "qcow2" : "raw");
            var existing = volumes.List(poolName).Select(v => v.Volume.Name).Concat(planned.Where(p => p.Pool == poolName).Select(p => p.Volume!)).ToHashSet();
            var ext = fmt == "qcow2" ? ".qcow2" : fmt == "raw" ? ".img" : "." + fmt;
            var name = Enumerable.Range(0, 1000).Select(i => i == 0 ? r.Name + ext : $"{r.Name}-{i}{ext}").First(n => !existing.Contains(n));
            var bytes = (long)(d.SizeGiB!.Value * GiB);
            if (CheckOn(r, "disk_size") && bytes > pool.Sizes.Available)
            {
                var msg = $"The requested volume capacity will exceed the available pool space when the volume is fully allocated. " +
                          $"({bytes >> 20} M requested capacity > {pool.Sizes.Available >> 20} M available)";
                if (!d.Sparse) throw new VireoException(ErrorCode.OperationInvalid, msg + " (--check disk_size=off to go ahead)");
                warnings.Add(msg);
            }
            string volPath;
            if (create)
            {
                await progress($"Allocating '{name}' in pool '{poolName}' ({d.SizeGiB} GiB)");
                var xml = $"<volume><name>{System.Security.SecurityElement.Escape(name)}</name><capacity unit='bytes'>{bytes}</capacity>" +
                          $"<allocation unit='bytes'>{(d.Sparse ? 0 : bytes)}</allocation><target><format type='{fmt}'/></target></volume>";
                var v = (await volumeOps.CreateAsync(poolName, xml, null, null, false, ct)).Volume;
                undo.Add($"volume '{v.Name}' in pool '{poolName}'", () => volumeOps.DeleteAsync(poolName, v.Name, CancellationToken.None));
                volPath = v.Path;
            }
            else volPath = Path.Combine(pool.TargetPath ?? "", name);
            planned.Add(new PlannedDisk("file", "disk", volPath, fmt, bus, target, d.Cache, poolName, name));
        }
        return planned;
    }

    private static async Task CreateFileAsync(string path, string format, long size, bool sparse)
    {
        switch (format)
        {
            case "qcow2":
                await using (var b = Images.Qcow2.Qcow2Builder.Create(path, new Images.Qcow2.Qcow2CreateOptions { Size = size })) { }
                break;
            case "raw":
                Images.Raw.RawCreator.Create(path, size, sparse ? "off" : "falloc");
                break;
            default:
                throw new VireoException(ErrorCode.InvalidArgument, $"--disk format={format}: qcow2 or raw for a new file");
        }
    }

    /// <summary>The next free target name on a bus: vda, vdb, ... for virtio; sda... for sata/scsi/usb; hda... for ide.</summary>
    public static string NextTarget(string bus, IEnumerable<string> used)
    {
        var prefix = bus switch { "virtio" => "vd", "ide" => "hd", "fdc" => "fd", _ => "sd" };
        var taken = used.ToHashSet();
        for (var i = 0; ; i++)
        {
            var name = prefix + (i < 26 ? ((char)('a' + i)).ToString() : $"{(char)('a' + i / 26 - 1)}{(char)('a' + i % 26)}");
            if (!taken.Contains(name)) return name;
        }
    }
}
