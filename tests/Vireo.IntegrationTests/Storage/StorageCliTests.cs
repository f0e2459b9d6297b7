using Vireo.Images;
using Vireo.Images.Qcow2;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Storage;

/// <summary>Pools, volumes and secrets through the real CLI and daemon; images checked with qemu-img and Vireo.Images.</summary>
public class StorageCliTests : DaemonTestBase
{
    private string Images => Path.Combine(D.Root, "var/lib/vireo/images");

    private static string QemuImg(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"qemu-img {string.Join(' ', args)}: {o}");
        return o;
    }

    private static string Stat(string path, string format)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat") { RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", format, path }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return o;
    }

    [Fact]
    public async Task The_default_pool_exists_after_the_first_start_and_survives_a_restart()
    {
        var list = (await D.Vireo("pool-list")).Ok().Stdout;
        Assert.Equal(" Name      State    Autostart\n-------------------------------\n default   active   yes\n\n", list);
        Assert.Contains($"<path>{Images}</path>", (await D.Vireo("pool-dumpxml", "default")).Ok().Stdout);
        var info = (await D.Vireo("pool-info", "default")).Ok().Stdout;
        Assert.Contains("State:          running", info);
        Assert.Matches(@"Capacity:\s+\d+\.\d\d [KMGT]iB", info);
        // Undefined by the user, it stays gone: only the first start creates it.
        (await D.Vireo("pool-destroy", "default")).Ok();
        (await D.Vireo("pool-undefine", "default")).Ok();
        await D.StopDaemonAsync();
        await D.StartDaemonAsync();
        Assert.DoesNotContain("default", (await D.Vireo("pool-list", "--all")).Ok().Stdout);
    }

    [Fact]
    public async Task Dir_pool_life_cycle_as_in_the_notes()
    {
        var target = Path.Combine(D.Root, "GlusterFS");
        var xml = Write("gluster.xml", $"""
            <pool type='dir'>
            <name>glusterfs-pool</name>
            <target>
            <path>{target}</path>
            <permissions>
            <mode>0755</mode>
            <owner>107</owner>
            <group>107</group>
            <label>system_u:object_r:virt_image_t:s0</label>
            </permissions>
            </target>
            </pool>
            """);
        Assert.Equal($"Pool glusterfs-pool defined from {xml}\n\n", (await D.Vireo("pool-define", "--file", xml)).Ok().Stdout);
        (await D.Vireo("pool-start", "--pool", "glusterfs-pool")).Fails($"cannot open directory '{target}'");
        (await D.Vireo("pool-build", "glusterfs-pool")).Ok();
        Assert.Equal("107 107", Stat(target, "%u %g"));
        Assert.Equal("755", Stat(target, "%a"));
        Assert.Equal("Pool glusterfs-pool started\n\n", (await D.Vireo("pool-start", "--pool", "glusterfs-pool")).Ok().Stdout);
        Assert.Equal("Pool glusterfs-pool marked as autostarted\n\n", (await D.Vireo("pool-autostart", "--pool", "glusterfs-pool")).Ok().Stdout);
        var details = (await D.Vireo("pool-list", "--details")).Ok().Stdout;
        Assert.Contains(" glusterfs-pool   running   yes         yes", details);
        // A file put there by hand appears after pool-refresh.
        File.WriteAllBytes(Path.Combine(target, "byhand.img"), new byte[4096]);
        (await D.Vireo("pool-refresh", "glusterfs-pool")).Ok();
        Assert.Contains("byhand.img", (await D.Vireo("vol-list", "glusterfs-pool")).Ok().Stdout);
        (await D.Vireo("pool-undefine", "glusterfs-pool")).Fails("is still active");
        (await D.Vireo("pool-destroy", "glusterfs-pool")).Ok();
        (await D.Vireo("pool-delete", "glusterfs-pool")).Fails("is not empty");
        File.Delete(Path.Combine(target, "byhand.img"));
        (await D.Vireo("pool-delete", "glusterfs-pool")).Ok();
        Assert.False(Directory.Exists(target));
        Assert.Equal("Pool glusterfs-pool has been undefined\n\n", (await D.Vireo("pool-undefine", "glusterfs-pool")).Ok().Stdout);
    }

    [Fact]
    public async Task Volumes_are_created_cloned_resized_wiped_and_deleted_with_vireo_images()
    {
        (await D.Vireo("vol-create-as", "default", "base.qcow2", "64M", "--format", "qcow2")).Ok();
        var basePath = Path.Combine(Images, "base.qcow2");
        using (var q = await Qcow2Image.OpenAsync(basePath, writable: true))
            await q.WriteAsync(1 << 20, new byte[] { 1, 2, 3, 4 });
        QemuImg("check", basePath);
        // A linked clone through --backing-vol, by volume name.
        (await D.Vireo("vol-create-as", "default", "linked.qcow2", "64M", "--format", "qcow2", "--backing-vol", "base.qcow2", "--backing-vol-format", "qcow2")).Ok();
        Assert.Contains($"backing file: {basePath}", QemuImg("info", Path.Combine(Images, "linked.qcow2")));
        // A full copy, and one to raw from XML with vol-create-from.
        Assert.Equal("Vol copy.qcow2 cloned from base.qcow2\n\n", (await D.Vireo("vol-clone", "base.qcow2", "copy.qcow2", "--pool", "default")).Ok().Stdout);
        var rawXml = Write("raw.xml", "<volume><name>copy.raw</name><capacity unit='M'>64</capacity><target><format type='raw'/></target></volume>");
        Assert.Equal("Vol copy.raw created from input vol base.qcow2\n\n", (await D.Vireo("vol-create-from", "default", rawXml, "base.qcow2")).Ok().Stdout);
        Assert.Contains("Images are identical", QemuImg("compare", basePath, Path.Combine(Images, "copy.qcow2")));
        Assert.Contains("Images are identical", QemuImg("compare", basePath, Path.Combine(Images, "copy.raw")));
        var listing = (await D.Vireo("vol-list", "default", "--details")).Ok().Stdout;
        Assert.Contains(" base.qcow2     " + basePath, listing);
        // Lookup by path without a pool, as virsh does.
        Assert.Equal("default\n\n", (await D.Vireo("vol-pool", basePath)).Ok().Stdout);
        Assert.Equal("base.qcow2\n\n", (await D.Vireo("vol-name", basePath)).Ok().Stdout);
        Assert.Equal(basePath + "\n\n", (await D.Vireo("vol-path", "--pool", "default", "base.qcow2")).Ok().Stdout);
        // Resize: grow, refuse to shrink without --shrink, grow by a delta.
        (await D.Vireo("vol-resize", "copy.qcow2", "128M", "--pool", "default")).Ok();
        (await D.Vireo("vol-resize", "copy.qcow2", "32M", "--pool", "default")).Fails("Can't shrink capacity below current capacity");
        (await D.Vireo("vol-resize", "copy.raw", "+1M", "--pool", "default", "--delta")).Ok();
        Assert.Contains("virtual size: 128 MiB", QemuImg("info", Path.Combine(Images, "copy.qcow2")));
        Assert.Equal(65L << 20, new FileInfo(Path.Combine(Images, "copy.raw")).Length);
        // Wipe leaves zeros of the same size.
        (await D.Vireo("vol-wipe", "copy.raw", "--pool", "default")).Ok();
        using (var img = await ImageOpener.OpenAsync(Path.Combine(Images, "copy.raw")))
        {
            var buf = new byte[4];
            await img.ReadAsync(1 << 20, buf);
            Assert.Equal(new byte[4], buf);
        }
        Assert.Equal("Vol copy.raw deleted\n\n", (await D.Vireo("vol-delete", "copy.raw", "--pool", "default")).Ok().Stdout);
        Assert.False(File.Exists(Path.Combine(Images, "copy.raw")));
    }

    [Fact]
    public async Task Allocation_and_metadata_preallocation_are_honoured()
    {
        (await D.Vireo("vol-create-as", "default", "sparse.raw", "8M", "--allocation", "0")).Ok();
        (await D.Vireo("vol-create-as", "default", "default.raw", "8M")).Ok();
        (await D.Vireo("vol-create-as", "default", "full.raw", "8M", "--allocation", "8M")).Ok();
        (await D.Vireo("vol-create-as", "default", "meta.qcow2", "8M", "--format", "qcow2", "--prealloc-metadata")).Ok();
        Assert.Equal(0, Vireo.Images.Info.ImageInfo.ActualSize(Path.Combine(Images, "sparse.raw")));
        Assert.True(Vireo.Images.Info.ImageInfo.ActualSize(Path.Combine(Images, "full.raw")) >= 8L << 20, "--allocation equal to the capacity allocates it all");
        // No allocation at all means a fully allocated volume, as libvirt documents (virsh vol-create-as without --allocation).
        Assert.True(Vireo.Images.Info.ImageInfo.ActualSize(Path.Combine(Images, "default.raw")) >= 8L << 20, "no allocation allocates it all");
        var meta = Path.Combine(Images, "meta.qcow2");
        QemuImg("check", meta);
        // With metadata preallocation every cluster already has its place in the file.
        Assert.True(new FileInfo(meta).Length >= 8L << 20, "preallocated clusters are reserved in the file");
        var map = System.Text.Json.Nodes.JsonNode.Parse(QemuImg("map", "--output=json", meta))!.AsArray();
        Assert.All(map, e => Assert.NotNull(e!["offset"]));
        Assert.Contains("<allocation unit='bytes'>", (await D.Vireo("vol-dumpxml", "--pool", "default", "full.raw")).Ok().Stdout);
    }

    [Fact]
    public async Task Upload_and_download_stream_through_the_api_and_keep_holes()
    {
        (await D.Vireo("vol-create-as", "default", "cd.iso", "0")).Ok();
        var iso = Path.Combine(D.Root, "src.iso");
        Vireo.Images.Iso.IsoWriter.Write(iso, "TESTCD", new Dictionary<string, byte[]> { ["hello.txt"] = "hello from the iso\n"u8.ToArray() });
        (await D.Vireo("vol-upload", "--pool", "default", "cd.iso", iso)).Ok();
        Assert.Equal(File.ReadAllBytes(iso), File.ReadAllBytes(Path.Combine(Images, "cd.iso")));
        Assert.Contains(" cd.iso ", (await D.Vireo("vol-list", "default")).Ok().Stdout);
        Assert.Contains("<format type='iso'/>", (await D.Vireo("vol-dumpxml", "--pool", "default", "cd.iso")).Ok().Stdout);
        // Download a mostly empty raw volume with --sparse: same bytes, few blocks.
        (await D.Vireo("vol-create-as", "default", "sparse.raw", "32M", "--allocation", "0")).Ok();
        using (var f = File.OpenHandle(Path.Combine(Images, "sparse.raw"), FileMode.Open, FileAccess.Write))
            RandomAccess.Write(f, "marker"u8, 16 << 20);
        var local = Path.Combine(D.Root, "down.raw");
        (await D.Vireo("vol-download", "--pool", "default", "sparse.raw", local, "--sparse")).Ok();
        Assert.Equal(File.ReadAllBytes(Path.Combine(Images, "sparse.raw")), File.ReadAllBytes(local));
        Assert.True(Vireo.Images.Info.ImageInfo.ActualSize(local) < 4 << 20, "the download should keep the holes");
        (await D.Vireo("vol-download", "--pool", "default", "sparse.raw", local, "--offset", "16M", "--length", "6")).Ok();
        Assert.Equal("marker", File.ReadAllText(local));
    }

    [Fact]
    public async Task Secrets_as_in_the_notes_and_kept_encrypted()
    {
        var xml = Write("secret.xml", """
            <secret ephemeral='no' private='no'>
            <usage type='ceph'>
            <name>client.KVMpool secret</name>
            </usage>
            </secret>
            """);
        var created = (await D.Vireo("secret-define", "--file", xml)).Ok().Stdout;
        var uuid = created.Split(' ')[1];
        Assert.Equal($"Secret {uuid} created\n\n", created);
        Assert.Equal("Secret value set\n\n", (await D.Vireo("secret-set-value", uuid, "AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ==")).Ok().Stdout);
        Assert.Equal("AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ==\n", (await D.Vireo("secret-get-value", uuid)).Ok().Stdout);
        Assert.Contains($" {uuid}   ceph client.KVMpool secret", (await D.Vireo("secret-list")).Ok().Stdout);
        // At rest the value is encrypted: its bytes appear nowhere under the root.
        var key = Convert.FromBase64String("AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ==");
        foreach (var f in Directory.EnumerateFiles(D.Root, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".sock")))
        {
            var bytes = File.ReadAllBytes(f);
            Assert.False(bytes.AsSpan().IndexOf(key) >= 0 || File.ReadAllText(f).Contains("AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ=="), $"secret value found in clear in {f}");
        }
        await D.StopDaemonAsync();
        await D.StartDaemonAsync();
        Assert.Equal("AQB9p8RdqS09CBAA1DHsiZJbehb7ZBffhfmFJQ==\n", (await D.Vireo("secret-get-value", uuid)).Ok().Stdout);
        (await D.Vireo("secret-set-value", uuid, "not base64!")).Fails("secret value is not valid base64");
        var priv = Write("private.xml", "<secret ephemeral='no' private='yes'><usage type='volume'><volume>/x.img</volume></usage></secret>");
        var pu = (await D.Vireo("secret-define", priv)).Ok().Stdout.Split(' ')[1];
        (await D.Vireo("secret-set-value", pu, "c2VjcmV0")).Ok();
        (await D.Vireo("secret-get-value", pu)).Fails("secret is private");
        (await D.Vireo("secret-undefine", uuid)).Ok();
        (await D.Vireo("secret-get-value", uuid)).Fails("secret not found");
    }

    [Fact]
    public async Task Running_pools_stay_running_across_a_daemon_restart_and_the_small_commands_answer()
    {
        var target = Path.Combine(D.Root, "keep");
        (await D.Vireo("pool-define-as", "keep", "dir", "--target", target)).Ok();
        (await D.Vireo("pool-start", "keep", "--build")).Ok();
        (await D.Vireo("vol-create-as", "keep", "a.raw", "1M")).Ok();
        var uuid = (await D.Vireo("pool-uuid", "keep")).Ok().Stdout.Trim();
        Assert.Equal("keep\n\n", (await D.Vireo("pool-name", uuid)).Ok().Stdout);
        await D.StopDaemonAsync();
        await D.StartDaemonAsync();
        Assert.Contains("State:          running", (await D.Vireo("pool-info", "keep")).Ok().Stdout);
        Assert.Contains("a.raw", (await D.Vireo("vol-list", "keep")).Ok().Stdout);
        var json = System.Text.Json.Nodes.JsonNode.Parse((await D.Vireo("pool-list", "--all", "--json")).Ok().Stdout)!.AsArray();
        Assert.Equal(["default", "keep"], json.Select(p => (string)p!["name"]!));
        Assert.Equal("default             \nkeep                \n\n", (await D.Vireo("pool-list", "--all", "--type", "dir,fs", "--name")).Ok().Stdout);
        Assert.Equal("\n", (await D.Vireo("pool-list", "--all", "--type", "rbd", "--name")).Ok().Stdout);
        var caps = (await D.Vireo("pool-capabilities")).Ok().Stdout;
        Assert.Contains("<pool type='rbd' supported='yes'/>", caps);
        Assert.Contains("<pool type='sheepdog' supported='no'/>", caps);
        Assert.Equal(Path.Combine(target, "a.raw") + "\n\n", (await D.Vireo("vol-key", "--pool", "keep", "a.raw")).Ok().Stdout);
        // pool-edit: an editor that changes the permissions; the result is validated and saved.
        var editor = Path.Combine(D.Root, "ed.sh");
        File.WriteAllText(editor, "#!/bin/sh\nsed -i 's|</path>|</path><permissions><mode>0711</mode></permissions>|' \"$1\"\n");
        File.SetUnixFileMode(editor, (UnixFileMode)0b111_101_101);
        (await D.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = editor }, "pool-edit", "keep")).Ok();
        Assert.Contains("<mode>0711</mode>", (await D.Vireo("pool-dumpxml", "keep", "--inactive")).Ok().Stdout);
    }

    [Fact]
    public async Task Ephemeral_secrets_live_only_in_memory()
    {
        var xml = Write("eph.xml", "<secret ephemeral='yes' private='no'><usage type='tls'><name>tls-x</name></usage></secret>");
        var uuid = (await D.Vireo("secret-define", xml)).Ok().Stdout.Split(' ')[1];
        (await D.Vireo("secret-set-value", uuid, "aGVsbG8=")).Ok();
        Assert.Equal("hello", (await D.Vireo("secret-get-value", uuid, "--plain")).Ok().Stdout);
        Assert.Empty(Directory.GetFiles(Path.Combine(D.Root, "etc/vireo/secrets"), uuid + "*"));
        Assert.Contains(uuid, (await D.Vireo("secret-list", "--ephemeral")).Ok().Stdout);
        Assert.DoesNotContain(uuid, (await D.Vireo("secret-list", "--no-ephemeral")).Ok().Stdout);
        await D.StopDaemonAsync();
        await D.StartDaemonAsync();
        (await D.Vireo("secret-get-value", uuid)).Fails("secret not found");
    }

    [Fact]
    public async Task Bad_input_is_refused_and_changes_nothing()
    {
        (await D.Vireo("pool-define", Write("bad.xml", "<pool type='dir'><name>x</name>"))).Fails("XML error");
        (await D.Vireo("pool-define", Write("slash.xml", "<pool type='dir'><name>a/b</name><target><path>/tmp/x</path></target></pool>"))).Fails("must not contain '/'");
        (await D.Vireo("pool-define", Write("lvm.xml", "<pool type='sheepdog'><name>s</name><source><name>x</name><host name='h'/></source></pool>"))).Fails("not supported by this build");
        (await D.Vireo("vol-create", "default", Write("v.xml", "<volume><name>../escape</name><capacity>1</capacity></volume>"))).Fails("must not contain '/'");
        (await D.Vireo("vol-create-as", "default", "..", "1M")).Fails("must not be '.' or '..'");
        (await D.Vireo("vol-create-as", "default", "v.img", "1parsec")).Fails("Malformed size");
        (await D.Vireo("pool-define-as", "missing", "dir", "--target", Path.Combine(D.Root, "nowhere"))).Ok();
        (await D.Vireo("pool-start", "missing")).Fails("No such file or directory");
        Assert.Equal("", string.Join(",", Directory.EnumerateFileSystemEntries(Images)));
        Assert.DoesNotContain("escape", string.Join(",", Directory.EnumerateFileSystemEntries(Path.Combine(D.Root, "var/lib/vireo"))));
        (await D.Vireo("pool-info", "nosuchpool")).Fails("Storage pool not found");
        (await D.Vireo("vol-info", "nosuchvol", "--pool", "default")).Fails("Storage volume not found");
    }
}
