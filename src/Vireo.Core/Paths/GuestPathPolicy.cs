namespace Vireo.Core.Paths;

/// <summary>
/// Which host paths guests may use. With an allow-list (vireod.conf <c>guest_paths</c>) only paths below one
/// of its directories; without one, libvirt's own precedent, virt-aa-helper's valid_path(): the host's system
/// directories are refused, and a few (/boot, firmware) only for reading. vireod's own state is refused
/// either way: a guest disk that is a definition, a status file or a secret would hand it to the guest.
/// Pure: callers pass canonical paths, with symlinks already resolved where the file exists.
/// </summary>
public sealed class GuestPathPolicy
{
    /// <summary>virt-aa-helper's restricted[]: string prefixes, as libvirt matches them ("/lib" covers /lib64 too).</summary>
    public static readonly IReadOnlyList<string> SystemDirectories =
    [
        "/bin/", "/etc/", "/lib", "/lost+found/", "/proc/", "/sbin/", "/selinux/", "/sys/",
        "/usr/bin/", "/usr/lib", "/usr/sbin/", "/usr/share/", "/usr/local/bin/", "/usr/local/etc/", "/usr/local/lib", "/usr/local/sbin/",
    ];

    /// <summary>virt-aa-helper's restricted_rw[]: kernels and firmware a guest may read but never write.</summary>
    public static readonly IReadOnlyList<string> ReadOnlyDirectories =
    [
        "/boot/", "/vmlinuz", "/initrd", "/initrd.img",
        "/usr/share/edk2/", "/usr/share/OVMF/", "/usr/share/ovmf/", "/usr/share/AAVMF/", "/usr/share/qemu-efi/",
        "/usr/share/qemu-efi-aarch64/", "/usr/lib/u-boot/", "/usr/lib/riscv64-linux-gnu/opensbi",
    ];

    /// <summary>virt-aa-helper's override[]: allowed even though they lie in a system directory.</summary>
    public static readonly IReadOnlyList<string> SystemOverrides =
        ["/sys/devices/pci", "/sys/kernel/config/target/vhost", "/etc/libvirt-sandbox/services/"];

    /// <param name="allowed">guest_paths: absolute, canonical directories; null for the default.</param>
    /// <param name="reserved">vireod's own state directories, refused whatever the allow-list says.</param>
    public GuestPathPolicy(IReadOnlyList<string>? allowed, IReadOnlyList<string> reserved)
    {
        foreach (var dir in (allowed ?? []).Concat(reserved))
            if (GuestPath.Problem(dir) is { } problem)
                throw new ArgumentException($"guest_paths: directory '{dir}' {problem}");
        Allowed = allowed;
        Reserved = reserved;
    }

    public IReadOnlyList<string>? Allowed { get; }
    public IReadOnlyList<string> Reserved { get; }

    /// <summary>Directories allowed whatever else the policy says (a storage pool's own directory, for its volumes' backing files).</summary>
    public IReadOnlyList<string> AlsoAllowed { get; private init; } = [];

    /// <summary>This policy, also allowing <paramref name="dir"/>: a pool's volumes may be backed by files of the same pool.</summary>
    public GuestPathPolicy Including(string dir) => new(Allowed, Reserved) { AlsoAllowed = [.. AlsoAllowed, dir] };

    /// <summary>
    /// Null when a guest may use <paramref name="path"/> (read-only or also for writing); otherwise why not,
    /// worded to follow the path: "lies in the host system directory '/etc/', ...", "is part of vireod's own state ...".
    /// </summary>
    public string? Refusal(string path, bool readOnly)
    {
        if (AlsoAllowed.Any(d => GuestPath.IsUnder(path, d))) return null;
        if (Reserved.FirstOrDefault(r => GuestPath.IsUnder(path, r)) is { } state)
            return $"is part of vireod's own state ('{state}')";
        if (Allowed is { } allowed)
            return allowed.Any(a => GuestPath.IsUnder(path, a)) ? null
                : $"is outside the directories guests may use (guest_paths in vireod.conf: {string.Join(", ", allowed)})";
        if (SystemOverrides.Any(o => path.StartsWith(o, StringComparison.Ordinal))) return null;
        var readOnlyDir = ReadOnlyDirectories.FirstOrDefault(d => path.StartsWith(d, StringComparison.Ordinal));
        if (readOnlyDir is not null)
            return readOnly ? null : $"lies in '{readOnlyDir}', which guests may only read (mark the device <readonly/>)";
        if (SystemDirectories.FirstOrDefault(d => path.StartsWith(d, StringComparison.Ordinal)) is { } system)
            return $"lies in the host system directory '{system}', which guests may not use (guest_paths in vireod.conf chooses the directories they may)";
        return null;
    }

    /// <summary>"'PATH' REASON", or "'PATH' leads to 'REAL', which REASON" when symlinks make them differ; null when allowed.</summary>
    public string? Explain(string path, string resolved, bool readOnly)
    {
        if (Refusal(path, readOnly) is { } direct) return $"'{path}' {direct}";
        return resolved != path && Refusal(resolved, readOnly) is { } real ? $"'{path}' leads to '{resolved}', which {real}" : null;
    }
}
