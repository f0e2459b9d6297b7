using System.IO.Compression;

namespace Vireo.IntegrationTests.Fixtures;

/// <summary>Install ISOs built by the tests with genisoimage: the test guest's kernel and initramfs laid out as a distribution's installer.</summary>
public static class InstallMedia
{
    /// <summary>A Debian-like netinst: install.amd/vmlinuz, install.amd/initrd.gz and .disk/info naming the release.</summary>
    public static string Debian(string dir, string release = "11.5.0") => Build(dir, "Debian " + release + " amd64 n", new()
    {
        [".disk/info"] = System.Text.Encoding.ASCII.GetBytes($"Debian GNU/Linux {release} \"Bullseye\" - Official amd64 NETINST 20220910-10:38"),
        ["install.amd/vmlinuz"] = File.ReadAllBytes(Guest.Kernel),
        ["install.amd/initrd.gz"] = Gzip(File.ReadAllBytes(Guest.InitrdPath)),
    });

    /// <summary>A RHEL 8.0 DVD: its volume id, a .treeinfo, and the kernel where .treeinfo says.</summary>
    public static string Rhel8(string dir) => Build(dir, "RHEL-8-0-0-BaseOS-x86_64", new()
    {
        [".treeinfo"] = System.Text.Encoding.ASCII.GetBytes(
            "[general]\nfamily = Red Hat Enterprise Linux\nversion = 8.0\narch = x86_64\n\n[images-x86_64]\nkernel = images/pxeboot/vmlinuz\ninitrd = images/pxeboot/initrd.img\n"),
        ["images/pxeboot/vmlinuz"] = File.ReadAllBytes(Guest.Kernel),
        ["images/pxeboot/initrd.img"] = File.ReadAllBytes(Guest.InitrdPath),
    });

    /// <summary>An ISO with files but no installer in it.</summary>
    public static string Empty(string dir) => Build(dir, "DATA", new() { ["README.txt"] = "nothing to boot"u8.ToArray() });

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    private static string Build(string dir, string volumeId, Dictionary<string, byte[]> files)
    {
        var tree = Path.Combine(dir, "tree-" + Guid.NewGuid().ToString("N")[..6]);
        foreach (var (path, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(tree, path))!);
            File.WriteAllBytes(Path.Combine(tree, path), bytes);
        }
        var iso = tree + ".iso";
        Netns.Run("genisoimage", "-quiet", "-o", iso, "-V", volumeId, "-R", "-J", tree);
        Directory.Delete(tree, true);
        return iso;
    }
}
