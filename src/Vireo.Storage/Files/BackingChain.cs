using Vireo.Core.Paths;
using Vireo.Host.Files;
using Vireo.Images;

namespace Vireo.Storage.Files;

/// <summary>
/// The files an image makes QEMU open besides itself (backing files, down the chain, qcow2 external data
/// files and VMDK extents), checked against the guest path policy before anything follows them: a qcow2 whose backing file is
/// /etc/shadow hands /etc/shadow to whoever reads the guest view.
/// </summary>
public static class BackingChain
{
    /// <summary>What is wrong with the files <paramref name="image"/> references; empty when QEMU may follow them all.</summary>
    /// <param name="format">the format the image is opened with; null probes, as QEMU does for a backing file</param>
    /// <param name="readOnly">whether the image itself is only read (a data file is written with it)</param>
    public static List<string> Problems(string image, string? format, bool readOnly, GuestPathPolicy policy)
    {
        var problems = new List<string>();
        Walk(image, format, readOnly, policy, problems, [], 0);
        return problems;
    }

    /// <summary>
    /// Where QEMU looks for a referenced file: relative names are relative to the referencing image's directory
    /// (as it was named, not its symlink target); "file:" is a plain path. Null with the reason for names that are
    /// no host path Vireo can check (json: pseudo-protocol, network protocols).
    /// </summary>
    public static (string? Path, string? Why) Locate(string image, string name)
    {
        if (name.StartsWith("json:", StringComparison.Ordinal))
            return (null, "which uses QEMU's json: syntax; Vireo cannot check what it opens");
        if (name.StartsWith("file:", StringComparison.Ordinal)) name = name[5..];
        try { return (ImageOpener.FullBackingPath(image, name), null); }
        catch (NotSupportedException) { return (null, "which names a network protocol; Vireo only follows files"); }
    }

    private static void Walk(string image, string? format, bool readOnly, GuestPathPolicy policy, List<string> problems, HashSet<string> seen, int depth)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle h;
        try { h = HostPaths.OpenFile(image, FileAccess.Read, allowBlockDevice: true); }
        catch (IOException) { return; } // the image itself is checked by the caller; QEMU reports what it cannot open
        using (h)
        {
            var real = HostPaths.Of(h);
            if (!seen.Add(real))
            {
                problems.Add($"the backing chain of '{image}' loops back to '{real}'");
                return;
            }
            if (depth >= ImageOpener.MaxChainDepth)
            {
                problems.Add($"the backing chain of '{image}' is deeper than {ImageOpener.MaxChainDepth} images");
                return;
            }
            foreach (var r in ImageReferences.Read(h, format))
            {
                var (full, why) = Locate(image, r.Name);
                if (full is null)
                {
                    problems.Add($"'{image}' has {r.What} '{r.Name}', {why}");
                    continue;
                }
                var isBacking = r.What == "backing file";
                if (policy.Explain(full, HostPaths.Resolve(full), readOnly || isBacking || r.What == "read-only extent") is { } refusal)
                {
                    problems.Add($"'{image}' has {r.What} '{r.Name}': {refusal}");
                    continue;
                }
                var status = FileStatus.Of(full);
                if (status is null) problems.Add($"'{image}' has {r.What} '{r.Name}', which does not exist");
                else if (status.Kind is not (FileKind.Regular or FileKind.BlockDevice))
                    problems.Add($"'{image}' has {r.What} '{r.Name}', which is {FileStatus.Describe(status.Kind)}");
                else if (isBacking) Walk(full, r.Format, true, policy, problems, seen, depth + 1);
            }
        }
    }
}
