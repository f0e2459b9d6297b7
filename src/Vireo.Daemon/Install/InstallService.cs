using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Core.OsInfo;
using Vireo.Core.Xml;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Networks;
using Vireo.Daemon.State;
using Vireo.Daemon.Storage;

namespace Vireo.Daemon.Install;

/// <summary>
/// vireo install (virt-install): resolves the OS from osinfo-db, reads the install media, creates the
/// disks, defines the domain with its final configuration and boots it once with the install one.
/// Everything it made is removed again when a later step fails.
/// </summary>
public sealed class InstallService(VireoPaths paths, DomainRegistry domains, Domains.Runner.DomainRunner runner, PoolRegistry pools, PoolVolumes volumes, VolumeOperations volumeOps, NetworkService networks,
    Events.EventBus events, Host.Facts.KvmSupport kvm, ILogger<InstallService> logger)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly Lazy<OsInfoDb?> SystemDb = new(() => LoadDb("/usr/share/osinfo"));

    /// <summary>The host's osinfo-db (/usr/share/osinfo), read once; null when it is not installed.</summary>
    public OsInfoDb? Db() => SystemDb.Value;

    public static OsInfoDb? LoadDb(string dir) =>
        Directory.Exists(Path.Combine(dir, "os"))
            ? OsInfoDb.Parse(Directory.EnumerateFiles(Path.Combine(dir, "os"), "*.xml", SearchOption.AllDirectories).Select(File.ReadAllText))
            : null;

    private string BootDir => Path.Combine(paths.Root, "var/lib/vireo/boot");

    /// <param name="progress">Told each step as it starts (the CLI shows them while the install is prepared).</param>
    public async Task<InstallResponse> InstallAsync(InstallRequest r, CancellationToken ct, Func<string, Task>? progress = null)
    {
        InstallChecks.Request(r);
        return await Log.InstallAsync(logger, r.Name, r.DryRun, async () =>
        {
            // Everything the install makes registers its undo here: a failed install leaves nothing behind.
            await using var undo = Log.Undo(logger, r.Name);
            var result = await InstallCoreAsync(r, [], undo, progress ?? (_ => Task.CompletedTask), ct);
            undo.Commit();
            return result;
        });
    }

    private async Task<InstallResponse> InstallCoreAsync(InstallRequest r, List<string> warnings, Rollback undo,
        Func<string, Task> progress, CancellationToken ct)
    {
        if (domains.List().Any(d => d.Name == r.Name))
            throw new VireoException(ErrorCode.DomainExists, $"Guest name '{r.Name}' is already in use.");
        var db = Db();
        using var source = r.Location is { } loc ? InstallSource.Open(loc, Http) : null;
        var os = await ResolveOsAsync(r, db, source, ct);
        var virtType = VirtType(r, warnings);
        var machine = r.Machine ?? (os?.SupportsQ35 == true ? "q35" : "pc");
        var memory = InstallChecks.Memory(r, os, warnings);
        var vcpus = r.Vcpus ?? (r.Sockets ?? 1) * (r.Cores ?? 1) * (r.Threads ?? 1);

        // Media first (nothing is created yet): the installer's kernel and initrd.
        (string Kernel, byte[] KernelBytes, string Initrd, byte[] InitrdBytes)? installer = null;
        if (source is not null)
        {
            await progress($"Retrieving the installer's kernel and initrd from {source.Describe}");
            installer = await source.FindKernelAsync(os, ct);
            await progress($"Retrieved '{installer.Value.Kernel}' ({Size(installer.Value.KernelBytes.Length)}) and '{installer.Value.Initrd}' ({Size(installer.Value.InitrdBytes.Length)})");
        }

        var disks = await InstallDisks.PlanAsync(r, os, machine, pools, volumes, volumeOps, create: !r.DryRun, undo, progress, domains.DomainsWithDisk, warnings, ct);
        var media = new List<PlannedDisk>();
        // The first boot starts the installer (CD-ROM, network); the installed system boots its disk unless --boot says otherwise.
        var askedBoot = r.Boot?.Split(',').FirstOrDefault(b => b is "hd" or "cdrom" or "network" or "fd");
        var installBoot = askedBoot ?? (r.Pxe ? "network" : r.Cdrom is not null ? "cdrom" : "hd");
        var finalBoot = askedBoot ?? (r.Disks.Count > 0 || !r.Pxe ? "hd" : "network");
        var cdBus = machine.Contains("q35") ? "sata" : "ide";
        string Next(string bus) => InstallDisks.NextTarget(bus, disks.Concat(media).Select(d => d.Target));
        if (r.Cdrom is { } iso)
        {
            if (!File.Exists(iso)) throw new VireoException(ErrorCode.InvalidArgument, $"--cdrom '{iso}': no such file");
            media.Add(new PlannedDisk("file", "cdrom", Path.GetFullPath(iso), "raw", cdBus, Next(cdBus), null));
        }

        var name = r.Name;
        string? kernelPath = null, initrdPath = null, seedPath = null, generatedPassword = null;
        if (!r.DryRun) Directory.CreateDirectory(BootDir);
        if (installer is { } inst)
        {
            kernelPath = Path.Combine(BootDir, $"vireo-install-{name}-kernel");
            initrdPath = Path.Combine(BootDir, $"vireo-install-{name}-initrd");
            if (!r.DryRun)
            {
                // Registered first: a half-written file goes too.
                undo.Add("the installer's kernel and initrd", () => { File.Delete(kernelPath); File.Delete(initrdPath); });
                await File.WriteAllBytesAsync(kernelPath, inst.KernelBytes, ct);
                await File.WriteAllBytesAsync(initrdPath, InstallChecks.Inject(inst.InitrdBytes, r.InitrdInject), ct);
            }
        }
        if (r.CloudInit is { } ci)
        {
            seedPath = Path.Combine(BootDir, $"vireo-install-{name}-cidata.iso");
            var (files, password) = CloudInitSeed.Files(name, ci);
            generatedPassword = password;
            if (!r.DryRun)
            {
                await progress("Creating the cloud-init seed (cidata)");
                undo.Add("the cloud-init seed", () => File.Delete(seedPath));
                Images.Iso.IsoWriter.Write(seedPath, "cidata", files);
            }
            media.Add(new PlannedDisk("file", "cdrom", seedPath, "raw", cdBus, Next(cdBus), null));
        }

        var defaultNet = networks.List().Any(n => n.Name == "default");
        var final = InstallXml.Final(r, os, virtType, machine, memory, vcpus, disks, null, defaultNet, finalBoot);
        // The install media (installer CD-ROM, cloud-init seed) are only in the one-time install configuration.
        XElement? install = null;
        if (installer is not null || media.Count > 0 || r.Pxe)
        {
            var cmdline = string.Join(' ', new[] { r.ExtraArgs, r.Graphics == "none" && installer is not null && !(r.ExtraArgs ?? "").Contains("console=") ? "console=ttyS0" : null }
                .Where(s => !string.IsNullOrEmpty(s)));
            install = InstallXml.Install(final, kernelPath, initrdPath, cmdline, installBoot, media);
        }
        var finalXml = SafeXml.Format(final);
        var installXml = install is null ? null : SafeXml.Format(install);
        if (r.DryRun)
            return new InstallResponse { Name = name, Xml = finalXml, InstallXml = installXml, Warnings = warnings, GeneratedRootPassword = generatedPassword };

        // Define (persistent unless --transient), then the first boot with the install configuration.
        string? uuid = null;
        await progress($"Creating domain '{name}'");
        if (!r.Transient)
        {
            var defined = await domains.DefineAsync(finalXml);
            uuid = defined.Uuid.ToString();
            undo.Add($"domain '{name}'", () => domains.UndefineAsync(name, nvram: true, keepNvram: false));
            if (r.Autostart) domains.SetAutostart(name, true);
        }
        var first = install ?? final;
        if (uuid is not null) first.Element("name")!.AddAfterSelf(new XElement("uuid", uuid));
        if (install is not null)
        {
            var cleanUp = CleanUpAfterFirstBoot(name, [kernelPath, initrdPath, seedPath]);
            undo.Add("the wait for the install boot's end", cleanUp.Dispose);
        }
        await runner.CreateAsync(SafeXml.Format(first), paused: false);
        var xml = r.Transient ? domains.GetXml(name, inactive: false) : domains.GetXml(name, inactive: true);
        return new InstallResponse { Name = name, Xml = xml, InstallXml = installXml, Warnings = warnings, Started = true, GeneratedRootPassword = generatedPassword };
    }

    /// <summary>The installer kernel, initrd and seed are removed once the install boot is over (the guest stopped).</summary>
    /// <returns>The wait: an install that fails ends it (its undo has removed the files already).</returns>
    private IDisposable CleanUpAfterFirstBoot(string name, string?[] files)
    {
        var sub = events.Subscribe();
        _ = Task.Run(async () =>
        {
            using var _ = sub;
            await foreach (var ev in sub.Reader.ReadAllAsync())
            {
                if (ev.Domain != name || ev.Event != "Stopped") continue;
                foreach (var f in files.OfType<string>()) File.Delete(f);
                Log.InstallerFilesRemoved(logger, name);
                return;
            }
        });
        return sub;
    }

    private async Task<OsInfo?> ResolveOsAsync(InstallRequest r, OsInfoDb? db, InstallSource? source, CancellationToken ct)
    {
        var variant = r.OsVariant;
        var detect = variant is null || variant.StartsWith("detect=on");
        var require = variant?.Contains("require=off") != true;
        if (variant is not null && variant.StartsWith("name=")) variant = variant["name=".Length..].Split(',')[0];
        if (variant is "generic" or "none") return null;
        if (!detect)
        {
            if (db is null) throw new VireoException(ErrorCode.InvalidArgument, $"Unknown OS name '{variant}': osinfo-db is not installed (apt-get install osinfo-db)");
            return db.Find(variant!) ?? throw new VireoException(ErrorCode.InvalidArgument,
                $"Unknown OS name '{variant}'." + (db.Suggest(variant!) is { Count: > 0 } s ? $" Did you mean: {string.Join(", ", s)}?" : "") +
                " See 'vireo install --osinfo list' for the known names.");
        }
        var found = db is not null && source is not null ? await source.DetectAsync(db, ct) : null;
        if (found is null && require)
            throw new VireoException(ErrorCode.InvalidArgument,
                "--os-variant/--osinfo OS name is required, but no value was set or detected." +
                (source is null ? "" : $" The OS on {source.Describe} was not recognised.") +
                " Give one (--osinfo rhel8.0, see --osinfo list), or --osinfo detect=on,require=off or --osinfo generic to go on without.");
        return found;
    }

    private string VirtType(InstallRequest r, List<string> warnings)
    {
        switch (r.VirtType)
        {
            case "qemu": return "qemu";
            case "kvm" when kvm.Usable: return "kvm";
            case "kvm" when r.DryRun:
                warnings.Add($"KVM is not usable on this host: {kvm.Reason}. The XML is printed as asked but will not start here; use --virt-type=qemu.");
                return "kvm";
            case "kvm":
                throw new VireoException(ErrorCode.OperationInvalid, $"--virt-type=kvm: KVM is not usable on this host: {kvm.Reason}. Use --virt-type=qemu (TCG, slower) to install anyway.");
            case null when kvm.Usable: return "kvm";
            case null:
                warnings.Add($"KVM is not usable on this host ({kvm.Reason}); installing with --virt-type=qemu (TCG, much slower).");
                return "qemu";
            default:
                throw new VireoException(ErrorCode.InvalidArgument, $"--virt-type '{r.VirtType}': kvm or qemu");
        }
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : $"{bytes / 1024.0:0.0} KiB";

    public static string RandomPassword()
    {
        const string chars = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return string.Concat(Enumerable.Range(0, 16).Select(_ => chars[RandomNumberGenerator.GetInt32(chars.Length)]));
    }
}
