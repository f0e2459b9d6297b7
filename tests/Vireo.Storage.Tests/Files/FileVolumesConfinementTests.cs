using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics;
using Vireo.Core.Errors;
using Vireo.Storage.Files;

namespace Vireo.Storage.Tests.Files;

/// <summary>Volume operations stay inside their pool directory and never open special files.</summary>
public sealed class FileVolumesConfinementTests : PoolDirFixture
{
    private static readonly byte[] Secret = "root:$6$secret:19000:0:99999:7:::\n"u8.ToArray();

    private string OutsideFile()
    {
        var path = Path.Combine(Outside, "shadow");
        File.WriteAllBytes(path, Secret);
        return path;
    }

    [Fact]
    public void A_scan_lists_files_directories_and_links_and_skips_fifos_sockets_and_devices_without_blocking()
    {
        File.WriteAllBytes(Path.Combine(Pool, "a.img"), new byte[4096]);
        Directory.CreateDirectory(Path.Combine(Pool, "d"));
        Mkfifo(Path.Combine(Pool, "fifo"));
        using var socket = UnixSocket(Path.Combine(Pool, "sock"));
        File.CreateSymbolicLink(Path.Combine(Pool, "null"), "/dev/null");
        File.CreateSymbolicLink(Path.Combine(Pool, "alias.img"), "a.img");
        File.CreateSymbolicLink(Path.Combine(Pool, "dangling"), "nothing-here");
        var watch = Stopwatch.StartNew();
        var vols = FileVolumes.Scan(Pool);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"scan took {watch.Elapsed}");
        Assert.Equal(["a.img", "alias.img", "d", "null"], vols.Select(v => v.Name));
        Assert.Equal(4096, vols.Single(v => v.Name == "alias.img").Capacity);
        Assert.Equal("dir", vols.Single(v => v.Name == "d").Type);
        // /dev/null is out of the pool: listed (as libvirt lists links), flagged, never opened.
        Assert.True(vols.Single(v => v.Name == "null").LeadsOutside);
        Assert.False(vols.Single(v => v.Name == "alias.img").LeadsOutside);
    }

    [Fact]
    public async Task A_symlink_out_of_the_pool_is_listed_but_wipe_resize_open_and_delete_are_refused_and_the_target_is_unchanged()
    {
        var target = OutsideFile();
        File.CreateSymbolicLink(Path.Combine(Pool, "evil.img"), target);
        var v = Volume("evil.img");
        Assert.True(v.LeadsOutside);
        Assert.Equal((0L, 0L), (v.Capacity, v.Allocation));
        var refusals = new List<VireoException>
        {
            await Assert.ThrowsAsync<VireoException>(() => FileVolumes.WipeAsync(v, default)),
            await Assert.ThrowsAsync<VireoException>(() => FileVolumes.ResizeAsync(v, 1 << 20, false, default)),
            Assert.Throws<VireoException>(() => FileVolumes.Open(v, FileAccess.Write)),
            Assert.Throws<VireoException>(() => FileVolumes.Open(v, FileAccess.Read)),
            Assert.Throws<VireoException>(() => FileVolumes.Delete(v)),
        };
        foreach (var e in refusals)
        {
            Assert.Equal(ErrorCode.OperationInvalid, e.Code);
            Assert.Contains($"storage volume 'evil.img' is a symbolic link to '{target}', which leads out of its pool directory", e.Message);
        }
        Assert.Equal(Secret, File.ReadAllBytes(target));
        Assert.True(File.Exists(Path.Combine(Pool, "evil.img")));
    }

    [Fact]
    public async Task A_file_swapped_for_a_link_after_the_scan_is_still_not_followed()
    {
        var target = OutsideFile();
        File.WriteAllBytes(Path.Combine(Pool, "swap.img"), new byte[8192]);
        var v = Volume("swap.img");
        File.Delete(Path.Combine(Pool, "swap.img"));
        File.CreateSymbolicLink(Path.Combine(Pool, "swap.img"), target);
        Assert.False(v.LeadsOutside);
        Assert.Contains("leads out of its pool directory", (await Assert.ThrowsAsync<VireoException>(() => FileVolumes.WipeAsync(v, default))).Message);
        Assert.Contains("leads out of its pool directory", (await Assert.ThrowsAsync<VireoException>(() => FileVolumes.ResizeAsync(v, 1 << 20, false, default))).Message);
        Assert.Equal(Secret, File.ReadAllBytes(target));
    }

    [Fact]
    public async Task A_fifo_swapped_in_after_the_scan_is_refused_without_blocking()
    {
        File.WriteAllBytes(Path.Combine(Pool, "f.img"), new byte[8192]);
        var v = Volume("f.img");
        File.Delete(Path.Combine(Pool, "f.img"));
        Mkfifo(Path.Combine(Pool, "f.img"));
        var e = await Assert.ThrowsAsync<VireoException>(() => FileVolumes.WipeAsync(v, default)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("is a FIFO, not a regular file", e.Message);
    }

    [Fact]
    public async Task Wipe_and_resize_work_on_files_inside()
    {
        var path = Path.Combine(Pool, "a.img");
        File.WriteAllBytes(path, Enumerable.Repeat((byte)7, 3 << 20).ToArray());
        await FileVolumes.WipeAsync(Volume("a.img"), default);
        Assert.All(File.ReadAllBytes(path), b => Assert.Equal(0, b));
        await FileVolumes.ResizeAsync(Volume("a.img"), 4 << 20, false, default);
        Assert.Equal(4 << 20, new FileInfo(path).Length);
    }

    [Fact]
    public void Deleting_a_non_empty_directory_volume_gives_libvirts_error()
    {
        Directory.CreateDirectory(Path.Combine(Pool, "d"));
        File.WriteAllText(Path.Combine(Pool, "d", "keep"), "x");
        var e = Assert.Throws<VireoException>(() => FileVolumes.Delete(Volume("d")));
        Assert.Equal($"cannot remove directory '{Path.Combine(Pool, "d")}': Directory not empty", e.Message);
        Assert.True(File.Exists(Path.Combine(Pool, "d", "keep")));
    }

    [Fact]
    public async Task Create_refuses_a_name_taken_by_a_dangling_symlink_and_creates_nothing_through_it()
    {
        var target = Path.Combine(Outside, "planted");
        File.CreateSymbolicLink(Path.Combine(Pool, "new.img"), target);
        var e = await Assert.ThrowsAsync<VireoException>(() =>
            FileVolumes.CreateAsync(Pool, new VolumeSpec(Def("<volume><name>new.img</name><capacity>1048576</capacity></volume>")), null, NullLogger.Instance, default));
        Assert.Contains("already exists", e.Message);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task New_volumes_get_the_permissions_their_xml_asks_for_through_their_descriptor()
    {
        await FileVolumes.CreateAsync(Pool, new VolumeSpec(Def("<volume><name>f.img</name><capacity>4096</capacity><target><permissions><mode>0640</mode></permissions></target></volume>")), null, NullLogger.Instance, default);
        await FileVolumes.CreateAsync(Pool, new VolumeSpec(Def("<volume><name>d</name><capacity>0</capacity><target><format type='dir'/><permissions><mode>0700</mode></permissions></target></volume>")), null, NullLogger.Instance, default);
        Assert.Equal((UnixFileMode)Convert.ToInt32("640", 8), File.GetUnixFileMode(Path.Combine(Pool, "f.img")));
        Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(Path.Combine(Pool, "d")));
        Assert.Equal(Convert.ToInt32("640", 8), Volume("f.img").Mode);
    }

    [Fact]
    public async Task A_huge_capacity_is_the_callers_error_and_leaves_nothing_behind()
    {
        var e = await Assert.ThrowsAsync<VireoException>(() =>
            FileVolumes.CreateAsync(Pool, new VolumeSpec(Def("<volume><name>big.img</name><capacity unit='EiB'>7</capacity></volume>")), null, NullLogger.Instance, default));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
        Assert.Contains("cannot create storage volume 'big.img'", e.Message);
        Assert.False(File.Exists(Path.Combine(Pool, "big.img")));
    }
}
