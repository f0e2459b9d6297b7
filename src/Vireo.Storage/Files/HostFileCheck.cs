using Vireo.Core.Paths;
using Vireo.Host.Files;

namespace Vireo.Storage.Files;

/// <summary>
/// The host side of <see cref="GuestHostPaths"/>: each path checked against the guest path policy with its
/// symlinks resolved (a symlink into /etc is /etc), for the kind of file its use needs (a FIFO is no disk
/// image, a directory no kernel, a block device only for &lt;disk type='block'&gt;), and disk images down
/// their backing chains. Stat only: nothing is opened that could block.
/// </summary>
public static class HostFileCheck
{
    /// <summary>Memory devices (major 1) that are no serial line or entropy source: mem, kmem, port, kmsg.</summary>
    private static readonly uint[] MemoryDeviceMinors = [1, 2, 4, 11];

    public static List<string> Problems(IEnumerable<GuestHostPath> uses, GuestPathPolicy policy)
    {
        var problems = new List<string>();
        foreach (var use in uses) Check(use, policy, problems);
        return problems;
    }

    private static void Check(GuestHostPath use, GuestPathPolicy policy, List<string> problems)
    {
        var prefix = $"{use.Where}: {use.Role}";
        if (GuestPath.Problem(use.Path) is { } syntax)
        {
            problems.Add($"{prefix} path '{use.Path}' {syntax}");
            return;
        }
        // A pipe chardev is PATH.in and PATH.out, or PATH itself.
        string[] names = use.Kind == HostFileKind.Fifo ? [use.Path, use.Path + ".in", use.Path + ".out"] : [use.Path];
        foreach (var name in names)
        {
            if (policy.Explain(name, HostPaths.Resolve(name), use.ReadOnly) is { } refusal)
            {
                problems.Add($"{prefix} {refusal}");
                return;
            }
        }
        foreach (var name in names)
            if (FileStatus.Of(name) is { } status && KindProblem(name, use.Kind, status) is { } wrong)
            {
                problems.Add($"{prefix} {wrong}");
                return;
            }
        if (use.ImageFormat is { } format && FileStatus.Of(use.Path)?.Kind is FileKind.Regular or FileKind.BlockDevice)
            foreach (var p in BackingChain.Problems(use.Path, format, use.ReadOnly, policy))
                problems.Add($"{prefix} {p}");
    }

    private static string? KindProblem(string path, HostFileKind expected, FileStatus actual)
    {
        var wanted = expected switch
        {
            HostFileKind.File => FileKind.Regular,
            HostFileKind.BlockDevice => FileKind.BlockDevice,
            HostFileKind.Directory => FileKind.Directory,
            HostFileKind.Socket => FileKind.Socket,
            HostFileKind.CharDevice => FileKind.CharDevice,
            _ => FileKind.Fifo,
        };
        if (actual.Kind != wanted)
        {
            var hint = (expected, actual.Kind) switch
            {
                (HostFileKind.File, FileKind.BlockDevice) => " (a block device is a <disk type='block'> with <source dev=...>)",
                (HostFileKind.BlockDevice, FileKind.Regular) => " (a file is a <disk type='file'> with <source file=...>)",
                _ => "",
            };
            return $"'{path}' is {FileStatus.Describe(actual.Kind)}, not {FileStatus.Describe(wanted)}{hint}";
        }
        if (actual.Kind == FileKind.CharDevice && actual.DeviceMajor == 1 && MemoryDeviceMinors.Contains(actual.DeviceMinor))
            return $"'{path}' is the host memory device {actual.DeviceMajor}:{actual.DeviceMinor}, which guests may not use";
        return null;
    }
}
