using Vireo.Core.Errors;
using Vireo.Storage;

namespace Vireo.Daemon.Tests.Storage;

/// <summary>Pool start, destroy, build and pool-create over the dir backend: each undoes itself when a step fails.</summary>
public sealed class PoolLifecycleTests : IAsyncLifetime
{
    private readonly StorageHost _host = new();
    private string _target = "";

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        _target = Path.Combine(_host.Paths.Root, "pools", "p");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private IEnumerable<string> Lines(int eventId) => _host.Log.Lines.Where(l => l.EventId == eventId).Select(l => l.Text);

    [Fact]
    public async Task A_start_whose_refresh_fails_leaves_the_pool_inactive_and_the_backend_stopped()
    {
        Directory.CreateDirectory(_target);
        _host.Pools.Define(StorageHost.DirPool("p", _target));
        _host.Dir.FailingRefreshes = 1;
        var startsBefore = _host.Dir.Starts;

        var e = await Assert.ThrowsAsync<VireoException>(() => _host.Lifecycle.StartAsync("p", default));

        Assert.Equal(ErrorCode.OperationFailed, e.Code);
        Assert.Contains("storage pool 'p': injected", e.Message);
        Assert.False(_host.Pools.Get("p").Active);
        Assert.Equal(startsBefore + 1, _host.Dir.Starts);
        Assert.Equal(1, _host.Dir.Stops);
        Assert.False(File.Exists(_host.LiveFile("p")));
        Assert.Contains(Lines(3005), l => l.Contains("Storage pool p: start failed") && l.Contains("injected"));
        // Nothing was left half-started: the next start works.
        Assert.True((await _host.Lifecycle.StartAsync("p", default)).Active);
    }

    [Fact]
    public async Task Start_and_destroy_keep_the_live_definition_and_log_the_start_as_a_pair()
    {
        Directory.CreateDirectory(_target);
        var uuid = _host.Pools.Define(StorageHost.DirPool("p", _target)).Uuid;

        var started = await _host.Lifecycle.StartAsync("p", default);

        Assert.True(started.Active);
        Assert.True(started.Sizes.Capacity > 0);
        Assert.Contains($"<uuid>{uuid}</uuid>", File.ReadAllText(_host.LiveFile("p")));
        Assert.Contains(Lines(3003), l => l == "Storage pool p: start started");
        Assert.Contains(Lines(3004), l => l.StartsWith("Storage pool p: start finished in "));
        var stopped = await _host.Lifecycle.DestroyAsync("p", default);
        Assert.False(stopped.Active);
        Assert.Equal(0, stopped.Sizes.Capacity);
        Assert.False(File.Exists(_host.LiveFile("p")));
        Assert.True(_host.Pools.Get("p").Persistent);
    }

    [Fact]
    public async Task Build_makes_the_directory_and_logs_a_pair()
    {
        _host.Pools.Define(StorageHost.DirPool("p", _target));

        await _host.Lifecycle.BuildAsync("p", BuildMode.Default, default);

        Assert.True(Directory.Exists(_target));
        Assert.Contains(Lines(3003), l => l == "Storage pool p: build started");
        Assert.Contains(Lines(3004), l => l.StartsWith("Storage pool p: build finished"));
        await _host.Lifecycle.StartAsync("p", default);
        var e = await Assert.ThrowsAsync<VireoException>(() => _host.Lifecycle.BuildAsync("p", BuildMode.Default, default));
        Assert.Contains("already active (pool-build needs it stopped)", e.Message);
    }

    [Fact]
    public async Task A_pool_create_that_cannot_start_leaves_no_pool_behind()
    {
        var e = await Assert.ThrowsAsync<VireoException>(() => _host.Lifecycle.CreateAsync(StorageHost.DirPool("p", _target), null, default));

        Assert.Contains($"cannot open directory '{_target}'", e.Message);
        Assert.Throws<VireoException>(() => _host.Pools.Lookup("p"));
        Assert.False(File.Exists(_host.PoolFile("p")));
        Assert.False(File.Exists(_host.LiveFile("p")));
    }

    [Fact]
    public async Task A_failed_pool_create_over_a_defined_pool_gives_it_its_definition_back()
    {
        var defined = _host.Pools.Define(StorageHost.DirPool("p", _target));
        var elsewhere = Path.Combine(_host.Paths.Root, "elsewhere");

        await Assert.ThrowsAsync<VireoException>(() =>
            _host.Lifecycle.CreateAsync(StorageHost.DirPool("p", elsewhere, defined.Uuid.ToString()), null, default));

        var p = _host.Pools.Get("p");
        Assert.Equal(_target, p.TargetPath);
        Assert.True(p.Persistent);
        Assert.False(p.Active);
    }

    [Fact]
    public async Task A_transient_pool_is_built_started_and_gone_once_destroyed()
    {
        var p = await _host.Lifecycle.CreateAsync(StorageHost.DirPool("p", _target), BuildMode.Default, default);

        Assert.True(p.Active);
        Assert.False(p.Persistent);
        Assert.False(File.Exists(_host.PoolFile("p")));
        var e = Assert.Throws<VireoException>(() => _host.Pools.SetAutostart("p", true));
        Assert.Contains("transient pool 'p'", e.Message);
        await _host.Lifecycle.DestroyAsync("p", default);
        Assert.Throws<VireoException>(() => _host.Pools.Lookup("p"));
    }

    [Fact]
    public async Task A_uuid_finds_its_pool_even_when_another_is_named_like_it()
    {
        var target = _host.Pools.Define(StorageHost.DirPool("target", _target));
        var impostor = _host.Pools.Define(StorageHost.DirPool(target.Uuid.ToString(), Path.Combine(_host.Paths.Root, "impostor")));

        Assert.Equal("target", _host.Pools.Get(target.Uuid.ToString()).Name);
        Assert.Equal("target", _host.Pools.Get(target.Uuid.ToString("N")).Name);
        Assert.Equal(impostor.Name, _host.Pools.Get(impostor.Uuid.ToString()).Name);
        var e = Assert.Throws<VireoException>(() => _host.Pools.Lookup("nope"));
        Assert.Equal(ErrorCode.NoStoragePool, e.Code);
        Assert.Equal("Storage pool not found: no storage pool with matching name 'nope'", e.Message);
    }

    [Fact]
    public async Task Define_refuses_clashes_and_undefine_removes_the_files()
    {
        var a = _host.Pools.Define(StorageHost.DirPool("a", _target));
        Assert.Contains("pool 'a' already exists with uuid",
            Assert.Throws<VireoException>(() => _host.Pools.Define(StorageHost.DirPool("b", "/srv/b", a.Uuid.ToString()))).Message);
        Assert.Contains($"Storage target path '{_target}' is already in use by pool 'a'",
            Assert.Throws<VireoException>(() => _host.Pools.Define(StorageHost.DirPool("c", _target))).Message);
        Assert.Contains("is not supported by this build",
            Assert.Throws<VireoException>(() => _host.Pools.Define(
                "<pool type='logical'><name>vg</name><source><name>vg</name></source><target><path>/dev/vg</path></target></pool>")).Message);

        _host.Pools.SetAutostart("a", true);
        Assert.True(_host.Pools.Get("a").Autostart);
        Directory.CreateDirectory(_target);
        await _host.Lifecycle.StartAsync("a", default);
        Assert.Contains("is still active", (await Assert.ThrowsAsync<VireoException>(() => _host.Pools.UndefineAsync("a"))).Message);
        await _host.Lifecycle.DestroyAsync("a", default);
        await _host.Pools.UndefineAsync("a");

        Assert.False(File.Exists(_host.PoolFile("a")));
        Assert.False(File.Exists(Path.Combine(_host.Paths.AutostartDir, "storage", "a")));
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3001 && l.Text == "Storage pool a undefined");
    }
}
