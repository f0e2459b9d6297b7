using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Processes;
using Vireo.Storage;
using Vireo.Storage.Fs;

namespace Vireo.Storage.Tests;

/// <summary>The fs pool on a real loop device: mkfs, mount, volumes on the mounted file system, umount.</summary>
public sealed class FsPoolBackendTests : IAsyncLifetime
{
    private readonly ProcessRunner _run = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-fs-").FullName;
    private string? _loop;
    private string _noLoop = "";

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") { _noLoop = HostLimit.NotRoot.Reason("loop devices need root"); return; }
        if (!File.Exists("/usr/sbin/losetup") || !File.Exists("/usr/sbin/mkfs.ext4"))
        {
            _noLoop = "losetup or mkfs.ext4 is not installed (test.sh installs util-linux, e2fsprogs)";
            return;
        }
        var backing = Path.Combine(_dir, "disk.img");
        using (var f = File.Create(backing)) f.SetLength(320L << 20); // sparse; xfs wants at least 300 MiB
        var r = await _run.RunAsync(["losetup", "-f", "--show", backing], check: false);
        if (r.ExitCode == 0) _loop = r.Stdout.Trim();
        else _noLoop = HostLimit.NoLoopDevice.Reason($"no free loop device: losetup says {r.Stderr.Trim()}");
    }

    public async Task DisposeAsync()
    {
        var mnt = Path.Combine(_dir, "mnt");
        if (FsPoolBackend.IsMounted(mnt)) await _run.RunAsync(["umount", mnt], check: false);
        if (_loop is not null) await _run.RunAsync(["losetup", "-d", _loop], check: false);
        Directory.Delete(_dir, true);
    }

    private StoragePoolDefinition Pool(string format) => StoragePoolDefinition.Parse(
        $"<pool type='fs'><name>fsp</name><source><device path='{_loop}'/><format type='{format}'/></source><target><path>{_dir}/mnt</path></target></pool>");

    [SkippableFact]
    public async Task Build_start_use_stop_and_refuse_to_overwrite_without_being_asked()
    {
        Skip.If(_loop is null, _noLoop);
        var fs = new FsPoolBackend(_run, NullLogger.Instance);
        var pool = Pool("ext4");
        await fs.BuildAsync(pool, BuildMode.Default, default);
        Assert.Equal("ext4", await fs.ProbeAsync(_loop!, default));
        await fs.StartAsync(pool, default);
        Assert.True(FsPoolBackend.IsMounted($"{_dir}/mnt"));
        var vol = StorageVolumeDefinition.Parse("<volume><name>v.qcow2</name><capacity unit='M'>16</capacity><target><format type='qcow2'/></target></volume>");
        await fs.CreateVolumeAsync(pool, new VolumeSpec(vol), null, default);
        var (sizes, vols) = await fs.RefreshAsync(pool, default);
        Assert.InRange(sizes.Capacity, 200L << 20, 320L << 20); // the loop device's file system, not the host's
        Assert.Contains(vols, v => v.Name == "v.qcow2" && v.Format == "qcow2" && v.Capacity == 16L << 20);
        await fs.StopAsync(pool, default);
        Assert.False(FsPoolBackend.IsMounted($"{_dir}/mnt"));
        Assert.False(File.Exists($"{_dir}/mnt/v.qcow2"));
        // The volume lives on the device: it is back after the next start.
        await fs.StartAsync(pool, default);
        Assert.True(File.Exists($"{_dir}/mnt/v.qcow2"));
        await fs.StopAsync(pool, default);
        // An existing file system is never replaced unless --overwrite says so.
        var e = await Assert.ThrowsAsync<VireoException>(() => fs.BuildAsync(pool, BuildMode.NoOverwrite, default));
        Assert.Contains("already holds a 'ext4' file system", e.Message);
        await Assert.ThrowsAsync<VireoException>(() => fs.BuildAsync(Pool("ext2"), BuildMode.Default, default));
        await fs.BuildAsync(Pool("ext2"), BuildMode.Overwrite, default);
        Assert.Equal("ext2", await fs.ProbeAsync(_loop!, default));
        // xfs too, mounted and usable.
        await fs.BuildAsync(Pool("xfs"), BuildMode.Overwrite, default);
        Assert.Equal("xfs", await fs.ProbeAsync(_loop!, default));
        await fs.StartAsync(Pool("xfs"), default);
        await fs.CreateVolumeAsync(Pool("xfs"), new VolumeSpec(vol), null, default);
        Assert.True(File.Exists($"{_dir}/mnt/v.qcow2"));
        await fs.StopAsync(Pool("xfs"), default);
    }

    [SkippableFact]
    public async Task Start_names_a_missing_device_or_mount_point()
    {
        var fs = new FsPoolBackend(_run, NullLogger.Instance);
        var pool = StoragePoolDefinition.Parse(
            $"<pool type='fs'><name>gone</name><source><device path='{_dir}/no-such-dev'/></source><target><path>{_dir}/mnt</path></target></pool>");
        var e = await Assert.ThrowsAsync<VireoException>(() => fs.StartAsync(pool, default));
        Assert.Contains($"source device '{_dir}/no-such-dev'", e.Message);
        await Task.CompletedTask;
    }
}
