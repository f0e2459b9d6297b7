using Vireo.Core.Errors;
using Vireo.Daemon.Storage;

namespace Vireo.Daemon.Tests.Storage;

/// <summary>Volumes of a running dir pool: create, clone, delete, wipe, resize, lookups and vol-dumpxml.</summary>
public sealed class VolumeOperationsTests : IAsyncLifetime
{
    private readonly StorageHost _host = new();
    private string _target = "";

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        _target = Path.Combine(_host.Paths.Root, "pools", "p");
        Directory.CreateDirectory(_target);
        _host.Pools.Define(StorageHost.DirPool("p", _target));
        await _host.Lifecycle.StartAsync("p", default);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Vol(string name, long bytes, string format = "raw") =>
        $"<volume><name>{name}</name><capacity unit='bytes'>{bytes}</capacity><target><format type='{format}'/></target></volume>";

    private Task<PoolVolume> CreateAsync(string name, long bytes, string format = "raw") =>
        _host.VolumeOps.CreateAsync("p", Vol(name, bytes, format), null, null, false, default);

    [Fact]
    public async Task A_new_volume_is_listed_found_by_name_key_and_path_and_dumped()
    {
        var made = await CreateAsync("v.img", 1 << 20);

        Assert.Equal("p", made.Pool);
        Assert.Equal(Path.Combine(_target, "v.img"), made.Volume.Path);
        Assert.Equal(new[] { "v.img" }, _host.Volumes.List("p").Select(v => v.Volume.Name));
        Assert.Equal("v.img", _host.Volumes.Get("p", "v.img").Volume.Name);
        Assert.Equal("p", _host.Volumes.Get(null, made.Volume.Path).Pool);
        Assert.Contains($"<path>{made.Volume.Path}</path>", _host.Volumes.GetXml("p", "v.img"));
        Assert.Equal(new Vireo.Daemon.Storage.VolumeSource("file", "raw", made.Volume.Path), _host.Volumes.Resolve("p", "v.img"));
        var e = Assert.Throws<VireoException>(() => _host.Volumes.Get(null, "/nope/vol"));
        Assert.Equal("Storage volume not found: no storage vol with matching path '/nope/vol'", e.Message);
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3006 && l.Text == "Storage volume v.img in pool p: create started");
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3007 && l.Text.StartsWith("Storage volume v.img in pool p: create finished"));
    }

    [Fact]
    public async Task A_volume_whose_pool_cannot_be_read_back_is_removed_again()
    {
        _host.Dir.FailingRefreshes = 1;

        var e = await Assert.ThrowsAsync<VireoException>(() => CreateAsync("v.img", 1 << 20));

        Assert.Contains("injected", e.Message);
        Assert.False(File.Exists(Path.Combine(_target, "v.img")));
        Assert.Empty(_host.Volumes.List("p"));
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3008 && l.Text.Contains("Storage volume v.img in pool p: create failed"));
    }

    [Fact]
    public async Task A_clone_copies_the_source_and_names_it_in_the_log()
    {
        await CreateAsync("src.img", 1 << 20);
        await using (var f = File.OpenWrite(Path.Combine(_target, "src.img"))) f.Write("hello"u8);

        var clone = await _host.VolumeOps.CreateAsync("p", Vol("copy.qcow2", 1 << 20, "qcow2"), null, "src.img", false, default);

        Assert.Equal("qcow2", clone.Volume.Format);
        Assert.Equal(1 << 20, clone.Volume.Capacity);
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3007 && l.Text.StartsWith("Storage volume copy.qcow2 in pool p: clone from 'src.img' finished"));
        var (stream, length) = _host.Transfers.OpenDownload("p", "src.img", 0, 5);
        await using (stream)
        {
            Assert.Equal(5, length);
        }
    }

    [Fact]
    public async Task A_backing_volume_may_be_named_instead_of_its_path()
    {
        var base_ = await CreateAsync("base.qcow2", 1 << 20, "qcow2");

        var top = await _host.VolumeOps.CreateAsync("p",
            "<volume><name>top.qcow2</name><capacity unit='bytes'>1048576</capacity><target><format type='qcow2'/></target>" +
            "<backingStore><path>base.qcow2</path></backingStore></volume>", null, null, false, default);

        Assert.Equal(base_.Volume.Path, _host.Volumes.Get("p", "top.qcow2").Volume.BackingPath);
        Assert.Equal(top.Volume.Path, _host.Volumes.Get("p", "top.qcow2").Volume.Path);
        var e = await Assert.ThrowsAsync<VireoException>(() => _host.VolumeOps.CreateAsync("p",
            "<volume><name>x.qcow2</name><capacity>1</capacity><target><format type='qcow2'/></target><backingStore><path>nope</path></backingStore></volume>",
            null, null, false, default));
        Assert.Equal("backing volume 'nope' not found in pool 'p'", e.Message);
    }

    [Fact]
    public async Task A_volume_a_running_guest_uses_is_neither_deleted_nor_wiped()
    {
        var v = await CreateAsync("v.img", 1 << 20);
        _host.RunningUsers[v.Volume.Path] = "guest";

        Assert.Equal("storage volume 'v.img' is in use by running domain 'guest'",
            (await Assert.ThrowsAsync<VireoException>(() => _host.VolumeOps.DeleteAsync("p", "v.img", default))).Message);
        Assert.Contains("in use by running domain 'guest'",
            (await Assert.ThrowsAsync<VireoException>(() => _host.VolumeOps.WipeAsync("p", "v.img", default))).Message);
        Assert.True(File.Exists(v.Volume.Path));

        _host.RunningUsers.Clear();
        await _host.VolumeOps.DeleteAsync("p", "v.img", default);
        Assert.False(File.Exists(v.Volume.Path));
        Assert.Empty(_host.Volumes.List("p"));
    }

    [Fact]
    public async Task Resize_grows_and_shrinks_only_when_asked()
    {
        await CreateAsync("v.img", 1 << 20);

        var grown = await _host.VolumeOps.ResizeAsync("p", "v.img", new VolumeResize(1 << 20, Delta: true, Shrink: false), default);
        Assert.Equal(2 << 20, grown.Volume.Capacity);
        var e = await Assert.ThrowsAsync<VireoException>(() => _host.VolumeOps.ResizeAsync("p", "v.img", new VolumeResize(1 << 20, false, false), default));
        Assert.StartsWith("Can't shrink capacity below current capacity unless shrink flag explicitly specified", e.Message);
        var shrunk = await _host.VolumeOps.ResizeAsync("p", "v.img", new VolumeResize(1 << 20, false, Shrink: true), default);
        Assert.Equal(1 << 20, shrunk.Volume.Capacity);
        Assert.Equal(ErrorCode.InvalidArgument, (await Assert.ThrowsAsync<VireoException>(() =>
            _host.VolumeOps.ResizeAsync("p", "v.img", new VolumeResize(long.MaxValue, Delta: true, Shrink: false), default))).Code);
    }

    [Fact]
    public async Task Volumes_of_a_stopped_pool_are_not_listed()
    {
        await _host.Lifecycle.DestroyAsync("p", default);

        var e = Assert.Throws<VireoException>(() => _host.Volumes.List("p"));
        Assert.Equal("Requested operation is not valid: storage pool 'p' is not active", e.Message);
    }
}
