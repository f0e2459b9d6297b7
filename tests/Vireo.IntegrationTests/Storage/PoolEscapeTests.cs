using System.Diagnostics;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Storage;

/// <summary>
/// The attacks of issue 11 on dir pools, through the real CLI and daemon: volume operations that followed a
/// symlink out of the pool, a qcow2 backed by /etc/shadow that vol-clone flattened, a FIFO that hung the pool.
/// </summary>
public class PoolEscapeTests : DaemonTestBase
{
    private string Images => Path.Combine(D.Root, "var/lib/vireo/images");

    private static byte[] Scratch(string path)
    {
        var content = "root:$6$scratch-not-the-real-shadow:19000:0:99999:7:::\n"u8.ToArray();
        File.WriteAllBytes(path, content);
        return content;
    }

    [Fact]
    public async Task A_volume_that_is_a_symlink_out_of_the_pool_is_listed_but_never_touched()
    {
        var outside = Path.Combine(D.Root, "outside-shadow");
        var content = Scratch(outside);
        File.CreateSymbolicLink(Path.Combine(Images, "evil.img"), outside);
        var upload = Write("upload.bin", new string('A', 4096));
        (await D.Vireo("pool-refresh", "default")).Ok();
        Assert.Contains("evil.img", (await D.Vireo("vol-list", "default")).Ok().Stdout);
        const string refusal = "is a symbolic link to";
        (await D.Vireo("vol-wipe", "evil.img", "--pool", "default")).Fails(refusal);
        (await D.Vireo("vol-upload", "evil.img", upload, "--pool", "default")).Fails(refusal);
        (await D.Vireo("vol-resize", "evil.img", "1M", "--pool", "default")).Fails(refusal);
        (await D.Vireo("vol-download", "evil.img", Path.Combine(D.Root, "got.bin"), "--pool", "default")).Fails(refusal);
        (await D.Vireo("vol-clone", "evil.img", "copy.img", "--pool", "default")).Fails(refusal);
        (await D.Vireo("vol-delete", "evil.img", "--pool", "default")).Fails(refusal);
        Assert.Equal(content, File.ReadAllBytes(outside));
        Assert.False(File.Exists(Path.Combine(D.Root, "got.bin")) && new FileInfo(Path.Combine(D.Root, "got.bin")).Length > 0);
        Assert.False(File.Exists(Path.Combine(Images, "copy.img")));
    }

    [Fact]
    public async Task A_qcow2_backed_by_etc_shadow_is_neither_cloned_nor_downloaded()
    {
        // -u: qemu-img does not open the backing file; the real /etc/shadow is named, never read or written.
        var evil = Path.Combine(Images, "evil.qcow2");
        Run("qemu-img", "create", "-f", "qcow2", "-u", "-b", "/etc/shadow", "-F", "raw", evil, "1M");
        Assert.Contains("\"backing-filename\": \"/etc/shadow\"", Run("qemu-img", "info", "--output=json", evil));
        (await D.Vireo("pool-refresh", "default")).Ok();
        (await D.Vireo("vol-clone", "evil.qcow2", "copy.img", "--pool", "default"))
            .Fails("backing file '/etc/shadow' of '" + evil + "': '/etc/shadow' lies in the host system directory '/etc/'");
        Assert.False(File.Exists(Path.Combine(Images, "copy.img")));
        (await D.Vireo("vol-download", "evil.qcow2", Path.Combine(D.Root, "got.qcow2"), "--pool", "default"))
            .Fails("cannot be downloaded: '" + evil + "' has backing file '/etc/shadow': '/etc/shadow' lies in the host system directory '/etc/'");
        // A backing store naming /etc/shadow is refused when the volume is created, too.
        (await D.Vireo("vol-create-as", "default", "overlay.qcow2", "1M", "--format", "qcow2", "--backing-vol", "/etc/shadow", "--backing-vol-format", "raw"))
            .Fails("'/etc/shadow' lies in the host system directory '/etc/'");
        Assert.False(File.Exists(Path.Combine(Images, "overlay.qcow2")));
    }

    [Fact]
    public async Task A_qcow2_whose_chain_stays_in_the_pool_is_cloned_through_its_backing_file()
    {
        var basePath = Path.Combine(Images, "base.img");
        File.WriteAllBytes(basePath, Enumerable.Range(0, 1 << 20).Select(i => (byte)(i % 251)).ToArray());
        Run("qemu-img", "create", "-f", "qcow2", "-b", "base.img", "-F", "raw", Path.Combine(Images, "top.qcow2"));
        (await D.Vireo("pool-refresh", "default")).Ok();
        (await D.Vireo("vol-clone", "top.qcow2", "flat.qcow2", "--pool", "default")).Ok();
        // qemu-img is the oracle: the clone reads exactly like the overlay over its backing file.
        Run("qemu-img", "compare", Path.Combine(Images, "top.qcow2"), Path.Combine(Images, "flat.qcow2"));
        Assert.DoesNotContain("backing-filename", Run("qemu-img", "info", "--output=json", Path.Combine(Images, "flat.qcow2")));
    }

    [Fact]
    public async Task A_fifo_in_a_dir_pool_blocks_neither_pool_start_nor_refresh_nor_vol_list()
    {
        var target = Path.Combine(D.Root, "fifo-pool");
        Directory.CreateDirectory(target);
        File.WriteAllBytes(Path.Combine(target, "disk.img"), new byte[65536]);
        Run("mkfifo", Path.Combine(target, "pipe"));
        var xml = Write("fifo-pool.xml", $"<pool type='dir'><name>fifo</name><target><path>{target}</path></target></pool>");
        (await D.Vireo("pool-define", "--file", xml)).Ok();
        var bound = TimeSpan.FromSeconds(60);
        (await D.Vireo("pool-start", "fifo").WaitAsync(bound)).Ok();
        (await D.Vireo("pool-refresh", "fifo").WaitAsync(bound)).Ok();
        var list = (await D.Vireo("vol-list", "fifo").WaitAsync(bound)).Ok().Stdout;
        Assert.Contains("disk.img", list);
        Assert.DoesNotContain("pipe", list);
        // A FIFO planted under a listed name is refused, not opened.
        File.Delete(Path.Combine(target, "disk.img"));
        Run("mkfifo", Path.Combine(target, "disk.img"));
        (await D.Vireo("vol-wipe", "disk.img", "--pool", "fifo").WaitAsync(bound)).Fails("is a FIFO, not a regular file");
    }

    [Fact]
    public async Task Bad_offsets_lengths_and_sizes_are_refused_with_400_naming_the_flag()
    {
        File.WriteAllBytes(Path.Combine(Images, "v.img"), new byte[65536]);
        (await D.Vireo("pool-refresh", "default")).Ok();
        using var client = D.Client();
        async Task<Client.VireoApiException> Refused(Func<Task> call) => await Assert.ThrowsAsync<Client.VireoApiException>(call);

        var e = await Refused(() => client.UploadVolumeAsync("default", "v.img", new MemoryStream(new byte[16]), -1, null));
        Assert.Equal((400, "invalid argument: vol-upload --offset -1 must not be negative"), (e.Status, e.Message));
        e = await Refused(() => client.UploadVolumeAsync("default", "v.img", new MemoryStream(new byte[16]), 0, -5));
        Assert.Equal((400, "invalid argument: vol-upload --length -5 must not be negative"), (e.Status, e.Message));
        e = await Refused(() => client.UploadVolumeAsync("default", "v.img", new MemoryStream(new byte[16]), long.MaxValue - 4, null));
        Assert.Equal(400, e.Status);
        Assert.Contains("vol-upload cannot write 16 bytes at offset", e.Message);
        e = await Refused(() => client.DownloadVolumeAsync("default", "v.img", -1, null));
        Assert.Equal((400, "invalid argument: vol-download --offset -1 must not be negative"), (e.Status, e.Message));
        e = await Refused(() => client.DownloadVolumeAsync("default", "v.img", long.MaxValue, 10));
        Assert.Equal(400, e.Status);
        Assert.Contains("is beyond the largest file position", e.Message);
        e = await Refused(() => client.ResizeVolumeAsync("default", "v.img", new() { Capacity = long.MaxValue, Delta = true }));
        Assert.Equal(400, e.Status);
        Assert.Contains("the size would overflow", e.Message);
        e = await Refused(() => client.ResizeVolumeAsync("default", "v.img", new() { Capacity = -1 }));
        Assert.Equal(400, e.Status);
        Assert.Contains("capacity -1 must not be negative", e.Message);
        e = await Refused(() => client.ResizeVolumeAsync("default", "v.img", new() { Capacity = long.MaxValue }));
        Assert.Equal(400, e.Status);
        Assert.Contains("cannot resize storage volume 'v.img'", e.Message);
        e = await Refused(() => client.CreateVolumeAsync("default", "<volume><name>huge.img</name><capacity unit='EiB'>7</capacity></volume>"));
        Assert.Equal(400, e.Status);
        Assert.Contains("cannot create storage volume 'huge.img'", e.Message);
        Assert.Equal(65536, new FileInfo(Path.Combine(Images, "v.img")).Length);
        Assert.False(File.Exists(Path.Combine(Images, "huge.img")));
    }

    [Fact]
    public async Task Deleting_a_non_empty_directory_volume_gives_libvirts_error()
    {
        Directory.CreateDirectory(Path.Combine(Images, "d"));
        File.WriteAllText(Path.Combine(Images, "d", "keep"), "x");
        (await D.Vireo("pool-refresh", "default")).Ok();
        (await D.Vireo("vol-delete", "d", "--pool", "default")).Fails($"cannot remove directory '{Path.Combine(Images, "d")}': Directory not empty");
        Assert.True(File.Exists(Path.Combine(Images, "d", "keep")));
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {o}");
        return o;
    }
}
