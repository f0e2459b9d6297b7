using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Host.Processes;
using Vireo.Storage.Disk;

namespace Vireo.Storage.Tests;

/// <summary>The disk pool on a real loop device (with partition scanning): label, partitions as volumes, delete.</summary>
public sealed class DiskPoolBackendTests : IAsyncLifetime
{
    private readonly ProcessRunner _run = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-disk-").FullName;
    private string? _loop;
    private string _noLoop = "";

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") { _noLoop = HostLimit.NotRoot.Reason("loop devices need root"); return; }
        if (!File.Exists("/usr/sbin/sfdisk")) { _noLoop = "sfdisk is not installed (test.sh installs fdisk)"; return; }
        var backing = Path.Combine(_dir, "disk.img");
        using (var f = File.Create(backing)) f.SetLength(64L << 20);
        var r = await _run.RunAsync(["losetup", "-f", "-P", "--show", backing], check: false);
        if (r.ExitCode == 0) _loop = r.Stdout.Trim();
        else _noLoop = HostLimit.NoLoopDevice.Reason($"no free loop device: losetup says {r.Stderr.Trim()}");
    }

    public async Task DisposeAsync()
    {
        if (_loop is not null) await _run.RunAsync(["losetup", "-d", _loop], check: false);
        Directory.Delete(_dir, true);
    }

    [SkippableFact]
    public async Task Partitions_are_volumes()
    {
        Skip.If(_loop is null, _noLoop);
        var b = new DiskPoolBackend(_run, NullLogger.Instance);
        var pool = StoragePoolDefinition.Parse($"<pool type='disk'><name>d</name><source><device path='{_loop}'/><format type='gpt'/></source><target><path>/dev</path></target></pool>");
        var e = await Assert.ThrowsAsync<VireoException>(() => b.StartAsync(pool, default));
        Assert.Contains("has no partition table", e.Message);
        await b.BuildAsync(pool, BuildMode.Default, default);
        await b.StartAsync(pool, default);
        var name = DiskPoolBackend.PartitionName(pool, 1);
        Assert.Equal(Path.GetFileName(_loop) + "p1", name);
        var bad = StorageVolumeDefinition.Parse("<volume><name>whatever</name><capacity unit='M'>8</capacity></volume>");
        Assert.Contains($"use '{name}'", (await Assert.ThrowsAsync<VireoException>(() => b.CreateVolumeAsync(pool, new VolumeSpec(bad), null, default))).Message);
        var vol = StorageVolumeDefinition.Parse($"<volume><name>{name}</name><capacity unit='M'>16</capacity></volume>");
        var made = await b.CreateVolumeAsync(pool, new VolumeSpec(vol), null, default);
        Assert.Equal(16L << 20, made.Capacity);
        Assert.Equal($"/dev/{name}", made.Path);
        var (sizes, vols) = await b.RefreshAsync(pool, default);
        Assert.Equal(64L << 20, sizes.Capacity);
        Assert.Single(vols);
        // The label is never replaced without --overwrite.
        var again = await Assert.ThrowsAsync<VireoException>(() => b.BuildAsync(pool, BuildMode.Default, default));
        Assert.Contains("already has a 'gpt' partition table", again.Message);
        await b.DeleteVolumeAsync(pool, made, default);
        Assert.Empty((await b.RefreshAsync(pool, default)).Volumes);
    }
}
