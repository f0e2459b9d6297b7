using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.OsInfo;
using Vireo.Images.Cpio;

namespace Vireo.Daemon.Install;

/// <summary>The request's own consistency (as virt-install checks it), memory against the OS, and --initrd-inject.</summary>
public static class InstallChecks
{
    public static void Request(InstallRequest r)
    {
        var problems = new List<string>();
        // JSON may say [null]; the request rules refuse null members but not null list entries.
        foreach (var (member, hasNull) in new[] { ("disks", r.Disks.Contains(null!)), ("networks", r.Networks?.Contains(null!) == true), ("initrdInject", r.InitrdInject.Contains(null!)) })
            if (hasNull) problems.Add($"'{member}' has a null entry");
        if (problems.Count > 0) throw VireoException.Validation("install options", problems);
        if (string.IsNullOrWhiteSpace(r.Name)) problems.Add("--name is required");
        else if (r.Name.Contains('/')) problems.Add($"--name '{r.Name}' must not contain '/'");
        var methods = new[] { r.Location is not null, r.Cdrom is not null, r.Import, r.Pxe, InstallXml.BootArg(r.Boot, "kernel") is not null }.Count(m => m);
        if (methods == 0)
            problems.Add("An install method must be used: --location URL|ISO|DIR, --cdrom ISO, --pxe, --import, or --boot kernel=...");
        if (r.Location is not null && r.Cdrom is not null) problems.Add("--location and --cdrom cannot be combined");
        if (r.ExtraArgs is not null && r.Location is null) problems.Add("--extra-args only work if specified with --location");
        if (r.InitrdInject.Count > 0 && r.Location is null) problems.Add("--initrd-inject only works if specified with --location");
        if (r.Arch is { } arch && arch != "x86_64")
            problems.Add($"--arch {arch}: Vireo runs x86_64 guests (qemu-system-x86_64)");
        if (r.MemoryMiB is <= 0) problems.Add($"--memory must be greater than 0 (got {r.MemoryMiB})");
        if (r.Vcpus is <= 0) problems.Add($"--vcpus must be greater than 0 (got {r.Vcpus})");
        foreach (var d in r.Disks)
        {
            if (d.SizeGiB is { } size && (size <= 0 || double.IsNaN(size)))
                problems.Add($"--disk size={size}: the size must be greater than 0 (GiB)");
            if (d.Device is not ("disk" or "cdrom")) problems.Add($"--disk device={d.Device}: disk or cdrom");
            if (d.Path is null && d.Vol is null && d.SizeGiB is null && d.Device == "disk")
                problems.Add("--disk needs size=, path= or vol= (or 'none')");
        }
        if (problems.Count > 0) throw VireoException.Validation("install options", problems);
    }

    /// <summary>The memory to give: as asked (warning under the OS minimum) or the OS's recommendation.</summary>
    public static long Memory(InstallRequest r, OsInfo? os, List<string> warnings)
    {
        const long MiB = 1 << 20;
        if (r.MemoryMiB is { } asked)
        {
            if (os?.MinimumRam is { } min && asked * MiB < min)
                warnings.Add($"Requested memory {asked} MiB is less than the minimum {min / MiB} MiB of {os.ShortId}: the installer may not run.");
            return asked;
        }
        return (os?.RecommendedRam ?? os?.MinimumRam ?? 1024 * MiB) / MiB;
    }

    /// <summary>--initrd-inject: the files go to / of the installer's initramfs as one more (uncompressed) cpio archive, which Linux unpacks after the first.</summary>
    public static byte[] Inject(byte[] initrd, IReadOnlyList<InstallFile> files)
    {
        if (files.Count == 0) return initrd;
        var ms = new MemoryStream();
        ms.Write(initrd);
        // Archives start at 4-byte boundaries.
        while (ms.Length % 4 != 0) ms.WriteByte(0);
        using (var w = new CpioNewcWriter(ms, leaveOpen: true))
            foreach (var f in files)
            {
                var name = Path.GetFileName(f.Name);
                if (name.Length == 0) throw new VireoException(ErrorCode.InvalidArgument, $"--initrd-inject '{f.Name}': not a file name");
                w.AddFile(name, Convert.FromBase64String(f.Base64), 0x1A4);
            }
        return ms.ToArray();
    }
}
