using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Install;

/// <summary>An install that fails after it made things: its Rollback takes back each of them.</summary>
[Collection("vm")]
public class InstallRollbackTests
{
    [SkippableFact]
    public async Task An_install_whose_first_boot_fails_leaves_no_volume_installer_file_or_domain()
    {
        var why = Guest.Unavailable() ?? (File.Exists("/usr/bin/genisoimage") ? null : "genisoimage is not installed");
        Skip.If(why is not null, why);
        await using var d = await DaemonFixture.StartAsync();
        var iso = InstallMedia.Debian(d.Root);
        // The volume, the installer's kernel and initrd and the definition are made before the first boot, which
        // fails: TCG has no host CPU to pass through.
        var failed = await d.Vireo("install", "--name", "undone", "--location", iso, "--osinfo", "debian11", "--virt-type", "qemu",
            "--cpu", "host-passthrough", "--memory", "256", "--disk", "size=1", "--graphics", "none", "--network", "none", "--noautoconsole");
        failed.Fails("<cpu mode='host-passthrough'> needs type='kvm'");
        Assert.Contains("Allocating 'undone.qcow2'", failed.Stdout + failed.Stderr);
        Assert.Contains("Creating domain 'undone'", failed.Stdout + failed.Stderr);

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(d.Root, "var/lib/vireo/images")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(d.Root, "var/lib/vireo/boot")));
        Assert.False(File.Exists(Path.Combine(d.Root, "etc/vireo/qemu/undone.xml")));
        Assert.Equal("\n", (await d.Vireo("list", "--all", "--name")).Ok().Stdout);
        var log = File.ReadAllText(d.DaemonLog);
        Assert.Contains("Domain undone defined with uuid", log);
        Assert.Contains("Storage volume undone.qcow2 in pool default deleted", log);
        Assert.Contains("Install of undone failed after", log);
        // Every undo step succeeded (a failed one is logged with the domain named).
        Assert.DoesNotContain("Install of undone: undoing", log);
    }
}
