using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Tests.Storage;

/// <summary>
/// What vireod finds on disk when it starts: hand-edited pool files, the marks of pools that were running
/// (its own, and an older vireod's), the first-start 'default' pool. No file stops vireod from starting.
/// </summary>
public sealed class PoolStartupTests : IAsyncLifetime
{
    private readonly StorageHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Target(string name)
    {
        var dir = Path.Combine(_host.Paths.Root, "pools", name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private void WritePoolFile(string file, string xml) => File.WriteAllText(_host.PoolFile(file), xml);

    private IEnumerable<string> Refusals => _host.Log.Lines.Where(l => l.EventId == 3002).Select(l => l.Text);

    [Fact]
    public async Task A_broken_pool_file_is_logged_and_the_other_pools_still_load_and_start()
    {
        WritePoolFile("broken", "<pool type='dir'><name>broken</name><target><path>");
        WritePoolFile("good", StorageHost.DirPool("good", Target("good")));
        Directory.CreateDirectory(Path.Combine(_host.Paths.AutostartDir, "storage"));
        File.WriteAllText(Path.Combine(_host.Paths.AutostartDir, "storage", "good"), "");

        await _host.InitializeAsync();

        Assert.Equal(new[] { "default", "good" }, _host.Pools.List().Select(p => p.Name));
        Assert.True(_host.Pools.Get("good").Active);
        var refusal = Assert.Single(Refusals);
        Assert.Contains(_host.PoolFile("broken"), refusal);
        Assert.Contains("the storage pool was not loaded", refusal);
    }

    [Fact]
    public async Task A_pool_file_named_after_another_pool_is_refused()
    {
        WritePoolFile("other", StorageHost.DirPool("p1", Target("p1")));

        await _host.InitializeAsync();

        Assert.Throws<VireoException>(() => _host.Pools.Lookup("p1"));
        Assert.Throws<VireoException>(() => _host.Pools.Lookup("other"));
        Assert.Contains(Refusals, r => r.Contains("defines storage pool 'p1' but is named after 'other'"));
    }

    [Fact]
    public async Task A_second_file_with_the_same_uuid_is_refused_at_load()
    {
        const string uuid = "0b5d6a4e-52a0-4d8f-9a5e-5d1e0c6f4a11";
        WritePoolFile("a", StorageHost.DirPool("a", Target("a"), uuid));
        WritePoolFile("b", StorageHost.DirPool("b", Target("b"), uuid));

        await _host.InitializeAsync();

        Assert.Equal("a", _host.Pools.Get(uuid).Name);
        Assert.Throws<VireoException>(() => _host.Pools.Lookup("b"));
        Assert.Contains(Refusals, r => r.Contains($"uuid {uuid} is already used by storage pool 'a'"));
    }

    [Fact]
    public async Task A_pool_file_without_a_uuid_gets_one()
    {
        WritePoolFile("plain", StorageHost.DirPool("plain", Target("plain")));

        await _host.InitializeAsync();

        var uuid = _host.Pools.Get("plain").Uuid;
        Assert.NotEqual(Guid.Empty, uuid);
        Assert.Equal("plain", _host.Pools.Get(uuid.ToString()).Name);
    }

    [Fact]
    public async Task The_first_start_makes_the_default_pool_and_only_the_first()
    {
        await _host.InitializeAsync();
        var pool = _host.Pools.Get("default");
        Assert.True(pool.Active);
        Assert.True(pool.Autostart);
        Assert.Equal(_host.ImagesDir, pool.TargetPath);

        await _host.Lifecycle.DestroyAsync("default", default);
        await _host.Pools.UndefineAsync("default");
        await _host.RestartAsync();

        Assert.Empty(_host.Pools.List());
    }

    [Fact]
    public async Task A_default_pool_that_cannot_be_defined_is_logged_and_vireod_still_starts()
    {
        // A hand-made pool already uses the images directory.
        WritePoolFile("mine", StorageHost.DirPool("mine", _host.ImagesDir));

        await _host.InitializeAsync();

        Assert.Equal(new[] { "mine" }, _host.Pools.List().Select(p => p.Name));
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3013 && l.Text.Contains("already in use by pool 'mine'"));
    }

    [Fact]
    public async Task An_older_vireods_empty_active_mark_is_honoured_and_removed_when_the_pool_stops()
    {
        WritePoolFile("old", StorageHost.DirPool("old", Target("old")));
        _host.WriteOldActiveMark("old");

        await _host.InitializeAsync();

        Assert.True(_host.Pools.Get("old").Active);
        Assert.False(_host.Pools.Get("old").Autostart);
        await _host.Lifecycle.DestroyAsync("old", default);
        Assert.False(File.Exists(_host.OldActiveMark("old")));
        Assert.False(File.Exists(_host.LiveFile("old")));
        await _host.RestartAsync();
        Assert.False(_host.Pools.Get("old").Active);
    }

    [Fact]
    public async Task A_running_pool_is_running_again_after_a_restart_and_a_stopped_one_is_not()
    {
        await _host.InitializeAsync();
        _host.Pools.Define(StorageHost.DirPool("up", Target("up")));
        _host.Pools.Define(StorageHost.DirPool("down", Target("down")));
        await _host.Lifecycle.StartAsync("up", default);
        Assert.True(File.Exists(_host.LiveFile("up")));

        await _host.RestartAsync();

        Assert.True(_host.Pools.Get("up").Active);
        Assert.False(_host.Pools.Get("down").Active);
    }

    [Fact]
    public async Task A_running_transient_pool_is_adopted_after_a_restart()
    {
        await _host.InitializeAsync();
        await _host.Lifecycle.CreateAsync(StorageHost.DirPool("temp", Target("temp")), null, default);

        await _host.RestartAsync();

        var pool = _host.Pools.Get("temp");
        Assert.True(pool.Active);
        Assert.False(pool.Persistent);
        await _host.Lifecycle.DestroyAsync("temp", default);
        Assert.Throws<VireoException>(() => _host.Pools.Lookup("temp"));
        Assert.False(File.Exists(_host.LiveFile("temp")));
    }

    [Fact]
    public async Task A_pool_that_cannot_start_at_boot_is_logged_and_the_others_start()
    {
        var gone = Target("gone");
        WritePoolFile("gone", StorageHost.DirPool("gone", gone));
        WritePoolFile("fine", StorageHost.DirPool("fine", Target("fine")));
        _host.WriteOldActiveMark("gone");
        _host.WriteOldActiveMark("fine");
        Directory.Delete(gone);

        await _host.InitializeAsync();

        Assert.False(_host.Pools.Get("gone").Active);
        Assert.True(_host.Pools.Get("fine").Active);
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3010 && l.Level == LogLevel.Error && l.Text.Contains("gone") && l.Text.Contains("cannot open directory"));
    }

    [Fact]
    public async Task A_running_transient_pool_whose_file_names_another_pool_is_not_adopted()
    {
        Directory.CreateDirectory(Path.Combine(_host.Paths.RunDir, "storage"));
        File.WriteAllText(_host.LiveFile("x"), StorageHost.DirPool("y", Target("y")));

        await _host.InitializeAsync();

        Assert.Throws<VireoException>(() => _host.Pools.Lookup("x"));
        Assert.Throws<VireoException>(() => _host.Pools.Lookup("y"));
        Assert.Contains(Refusals, r => r.Contains("defines storage pool 'y' but is named after 'x'"));
    }
}
