using Vireo.Core.Errors;

namespace Vireo.Daemon.Tests.Storage;

/// <summary>vol-upload and vol-download through the service, on a running dir pool.</summary>
public sealed class VolumeTransfersTests : IAsyncLifetime
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
        await _host.VolumeOps.CreateAsync("p", "<volume><name>v.img</name><capacity unit='bytes'>4096</capacity></volume>", null, null, false, default);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task What_is_uploaded_is_downloaded_and_the_upload_is_logged_as_a_pair()
    {
        var data = Enumerable.Range(0, 10000).Select(i => (byte)(i % 251 + 1)).ToArray();

        var v = await _host.Transfers.UploadAsync("p", "v.img", new MemoryStream(data), 0, null, default);

        Assert.Equal(data.Length, v.Volume.Capacity);
        var (stream, length) = _host.Transfers.OpenDownload("p", "v.img", 100, 50);
        await using (stream)
        {
            Assert.Equal(50, length);
            var back = new byte[50];
            await stream.ReadExactlyAsync(back);
            Assert.Equal(data.AsSpan(100, 50).ToArray(), back);
        }
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3006 && l.Text == "Storage volume v.img in pool p: upload started");
        Assert.Contains(_host.Log.Lines, l => l.EventId == 3007 && l.Text.StartsWith("Storage volume v.img in pool p: upload finished"));
    }

    [Fact]
    public async Task Bad_ranges_and_volumes_in_use_are_refused_before_anything_is_written()
    {
        var path = Path.Combine(_target, "v.img");
        Assert.Equal("invalid argument: vol-upload --offset -1 must not be negative",
            (await Assert.ThrowsAsync<VireoException>(() => _host.Transfers.UploadAsync("p", "v.img", new MemoryStream([1]), -1, null, default))).Message);
        Assert.Contains("is beyond the largest file position",
            Assert.Throws<VireoException>(() => _host.Transfers.OpenDownload("p", "v.img", 10, long.MaxValue)).Message);
        _host.RunningUsers[path] = "guest";
        Assert.Equal("storage volume 'v.img' is in use by running domain 'guest'",
            (await Assert.ThrowsAsync<VireoException>(() => _host.Transfers.UploadAsync("p", "v.img", new MemoryStream([1]), 0, null, default))).Message);
        Assert.Equal(new byte[4096], await File.ReadAllBytesAsync(path));
    }
}
