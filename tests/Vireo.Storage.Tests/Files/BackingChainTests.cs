using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Paths;
using Vireo.Storage.Files;

namespace Vireo.Storage.Tests.Files;

/// <summary>Backing chains are followed only where guests may go: by clone, create, download and the start check.</summary>
public sealed class BackingChainTests : PoolDirFixture
{
    private GuestPathPolicy PoolOnly => new([Pool], []);

    [Fact]
    public async Task Clone_of_a_qcow2_whose_backing_file_lies_outside_the_allowed_paths_is_refused()
    {
        var secret = Path.Combine(Outside, "shadow");
        File.WriteAllText(secret, "root:$6$secret\n");
        await Qcow2Async(Path.Combine(Pool, "evil.qcow2"), 1 << 20, secret, "raw");
        var src = Volume("evil.qcow2");
        Assert.Equal(secret, src.BackingPath);
        var e = await Assert.ThrowsAsync<VireoException>(() => FileVolumes.CreateAsync(Pool,
            new VolumeSpec(Def("<volume><name>copy.img</name><capacity>1048576</capacity></volume>"), src, BackingPolicy: PoolOnly), null, NullLogger.Instance, default));
        Assert.Equal(ErrorCode.OperationInvalid, e.Code);
        Assert.Contains($"backing file '{secret}' of '{src.Path}': '{secret}' is outside the directories guests may use", e.Message);
        Assert.False(File.Exists(Path.Combine(Pool, "copy.img")));
        // Without a policy no backing file is followed at all.
        await Assert.ThrowsAsync<VireoException>(() => FileVolumes.CreateAsync(Pool,
            new VolumeSpec(Def("<volume><name>copy.img</name><capacity>1048576</capacity></volume>"), src), null, NullLogger.Instance, default));
    }

    [Fact]
    public async Task Clone_reads_an_allowed_chain_through_to_the_backing_data()
    {
        var basePath = Path.Combine(Pool, "base.img");
        var data = Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(basePath, data);
        await Qcow2Async(Path.Combine(Pool, "top.qcow2"), 1 << 20, "base.img", "raw");
        await FileVolumes.CreateAsync(Pool, new VolumeSpec(Def("<volume><name>flat.img</name><capacity>1048576</capacity><target><format type='raw'/></target></volume>"),
            Volume("top.qcow2"), BackingPolicy: PoolOnly), null, NullLogger.Instance, default);
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(Pool, "flat.img")));
    }

    [Fact]
    public async Task A_backing_file_in_the_same_pool_is_followed_whatever_the_policy_says()
    {
        File.WriteAllBytes(Path.Combine(Pool, "base.img"), new byte[1 << 20]);
        await Qcow2Async(Path.Combine(Pool, "top.qcow2"), 1 << 20, "base.img", "raw");
        var nowhere = new GuestPathPolicy([Outside], []);
        Assert.Null(FileVolumes.BackingProblem(Volume("top.qcow2"), nowhere));
        await FileVolumes.CreateAsync(Pool, new VolumeSpec(Def("<volume><name>c.qcow2</name><capacity>1048576</capacity></volume>"),
            Volume("top.qcow2"), BackingPolicy: nowhere), null, NullLogger.Instance, default);
        Assert.True(File.Exists(Path.Combine(Pool, "c.qcow2")));
    }

    [Fact]
    public async Task A_backing_store_in_a_system_directory_is_refused_by_the_default_policy()
    {
        var policy = new GuestPathPolicy(null, []);
        var e = await Assert.ThrowsAsync<VireoException>(() => FileVolumes.CreateAsync(Pool, new VolumeSpec(Def("""
            <volume><name>o.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target>
            <backingStore><path>/etc/hostname</path><format type='raw'/></backingStore></volume>
            """), BackingPolicy: policy), null, NullLogger.Instance, default));
        Assert.Contains("backing store '/etc/hostname' of volume 'o.qcow2': '/etc/hostname' lies in the host system directory '/etc/'", e.Message);
        Assert.False(File.Exists(Path.Combine(Pool, "o.qcow2")));
    }

    [Fact]
    public async Task A_backing_store_that_is_a_fifo_is_refused_without_blocking()
    {
        Mkfifo(Path.Combine(Pool, "fifo"));
        var e = await Assert.ThrowsAsync<VireoException>(() => FileVolumes.CreateAsync(Pool, new VolumeSpec(Def($"""
            <volume><name>o.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target>
            <backingStore><path>{Pool}/fifo</path><format type='raw'/></backingStore></volume>
            """), BackingPolicy: AllowRoot), null, NullLogger.Instance, default)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("is a FIFO, not a regular file", e.Message);
    }

    [Fact]
    public async Task The_chain_check_follows_every_level_and_names_the_bad_one()
    {
        File.WriteAllText(Path.Combine(Outside, "deep"), "x");
        await Qcow2Async(Path.Combine(Pool, "mid.qcow2"), 1 << 20, Path.Combine(Outside, "deep"), "raw");
        await Qcow2Async(Path.Combine(Pool, "top.qcow2"), 1 << 20, "mid.qcow2", "qcow2");
        var problems = BackingChain.Problems(Path.Combine(Pool, "top.qcow2"), "qcow2", false, PoolOnly);
        Assert.Equal([$"'{Pool}/mid.qcow2' has backing file '{Outside}/deep': '{Outside}/deep' is outside the directories guests may use (guest_paths in vireod.conf: {Pool})"], problems);
        Assert.Equal(problems[0], FileVolumes.BackingProblem(Volume("top.qcow2"), PoolOnly));
        Assert.Null(FileVolumes.BackingProblem(Volume("top.qcow2"), AllowRoot));
    }

    [Fact]
    public async Task A_chain_that_loops_is_reported()
    {
        await Qcow2Async(Path.Combine(Pool, "a.qcow2"), 1 << 20, "b.qcow2", "qcow2");
        await Qcow2Async(Path.Combine(Pool, "b.qcow2"), 1 << 20, "a.qcow2", "qcow2");
        var problems = BackingChain.Problems(Path.Combine(Pool, "a.qcow2"), "qcow2", true, AllowRoot);
        Assert.Contains(problems, p => p.Contains("loops back to"));
    }

    [Fact]
    public async Task Json_and_protocol_backing_names_are_not_followed()
    {
        await Qcow2Async(Path.Combine(Pool, "j.qcow2"), 1 << 20, "json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}", "raw");
        await Qcow2Async(Path.Combine(Pool, "n.qcow2"), 1 << 20, "nbd://example.invalid/x", "raw");
        Assert.Contains("json: syntax", Assert.Single(BackingChain.Problems(Path.Combine(Pool, "j.qcow2"), "qcow2", true, AllowRoot)));
        Assert.Contains("network protocol", Assert.Single(BackingChain.Problems(Path.Combine(Pool, "n.qcow2"), "qcow2", true, AllowRoot)));
    }
}
